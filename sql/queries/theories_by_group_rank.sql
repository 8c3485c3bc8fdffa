-- title: Theories in the discussion group's rank order
-- description: The post's Exercise paragraph gives the order in which a small discussion group rated the theories, best first. Theory 20 was added after the discussion and is listed last, unranked. The remark column keeps the post's note on theory 3.
select
  r.rank as group_rank,
  t.number,
  t.title,
  r.remark,
  t.description
from theories t
left join ratings r on r.theory_number = t.number and r.rating_set_id = 'discussion-group'
order by r.rank is null, r.rank

-- title: Did the top-ranked theories get the discussion?
-- description: Each theory with its place in the discussion group's rank order and the number of comments that discuss it (quote it, name it or argue about it: the view theory_discussion gives the rule), with which comments they are. Listed best-ranked first; theory 20, added after the discussion, comes last as unranked. The chart puts the rank on the x axis (01 = best, at the left; theory 20 last, unranked); the table gives each rank's theory.
-- chart: mark=bar x=rank:ordinal y=comments:quantitative
select
  case when r.rank is null then 'unranked' else printf('%02d', r.rank) end as rank,
  printf('%02d %s', t.number, t.title) as theory,
  r.rank as group_rank,
  t.number,
  count(distinct d.comment_id) as comments,
  (select group_concat(comment_id, ', ') from (select distinct comment_id from theory_discussion x where x.theory_number = t.number order by comment_position)) as comment_ids
from theories t
left join ratings r on r.theory_number = t.number and r.rating_set_id = 'discussion-group'
left join theory_discussion d on d.theory_number = t.number
group by t.number
order by r.rank is null, r.rank, t.number

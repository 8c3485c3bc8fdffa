-- title: Did the top-ranked theories get the discussion?
-- description: Each theory in the discussion group's rank order, best first, with the number of comments that quote or name it (see the view comment_theory_mentions for the rule) and which comments they are. Theory 20, added after the discussion, comes last as unranked.
-- chart: mark=bar x=comments:quantitative y=theory:ordinal
-- datasette-vega sorts labels alphabetically: "rank 01" ... "rank 19", then "unranked", keeps the rank order
with mentions as (
  select distinct theory_number, comment_id from comment_theory_mentions
)
select
  case when r.rank is null then 'unranked: ' || t.title else printf('rank %02d: %s', r.rank, t.title) end as theory,
  r.rank as group_rank,
  t.number,
  (select count(*) from mentions m where m.theory_number = t.number) as comments,
  (select group_concat(comment_id, ', ') from (select comment_id from mentions m where m.theory_number = t.number order by comment_id)) as comment_ids
from theories t
left join ratings r on r.theory_number = t.number and r.rating_set_id = 'discussion-group'
order by r.rank is null, r.rank

-- title: What the comments say about one theory
-- description: One theory (choose its number, 1 to 20; default 3, which the post calls "the most controversial highly rated one"), followed by every comment that discusses it, in page order: a comment that quotes it, names it, or makes an argument about it or its sub-points (the view theory_discussion gives the rule). The theory's own page shows the same comments with the arguments.
-- params: number
with chosen as (
  select cast(coalesce(nullif(trim(:number), ''), '3') as integer) as number
)
select 0 as position, t.number || '' as id, 'theory' as part, t.title || ': ' || t.description as text
from theories t, chosen
where t.number = chosen.number
union all
select c.position, c.id, 'comment that ' || group_concat(d.link, ' and ') || ' it', c.body
from (select distinct comment_id, link from theory_discussion, chosen where theory_number = chosen.number order by comment_id, link) d
join comments c on c.id = d.comment_id
group by c.id
order by position

-- title: What the comments say about one theory
-- description: One theory (choose its number, 1 to 20; default 3, which the post calls "the most controversial highly rated one"), followed by every comment that quotes or names it (see the view comment_theory_mentions for the rule), in page order.
-- params: number
with chosen as (
  select cast(coalesce(nullif(trim(:number), ''), '3') as integer) as number
)
select 0 as position, t.number || '' as id, 'theory' as part, t.title || ': ' || t.description as text
from theories t, chosen
where t.number = chosen.number
union all
select c.position, c.id, 'comment that ' || group_concat(m.link, ' and ') || ' it', c.body
from comment_theory_mentions m
join comments c on c.id = m.comment_id, chosen
where m.theory_number = chosen.number
group by c.id
order by position

-- title: A theory with its sub-points
-- description: One theory of impact (choose its number, 1 to 20; default 9) followed by the indented sub-points the post lists under it.
-- params: number
select 0 as part, t.number || '' as id, 'theory' as kind, t.title, t.title || ': ' || t.description as text
from theories t
where t.number = cast(coalesce(nullif(:number, ''), '9') as integer)
union all
select p.position, p.id, p.kind, p.title, p.text
from theory_points p
where p.theory_number = cast(coalesce(nullif(:number, ''), '9') as integer)
order by part

-- title: Who is credited, and which theory was controversial?
-- description: What the post says about where its theories come from (the credit paragraph and the theory credited to a named person) and the one remark the Exercise paragraph makes about a rating (theory 3 "was the most controversial highly rated one"), each verbatim with where it is in the source.
select 'credit' as about, 'post section ' || s.id as source, null as theory, s.text
from post_sections s
where s.id = 'credit'
union all
select 'credit', 'theory ' || t.number, t.number, t.credit
from theories t
where t.credit is not null
union all
select 'remark on a rating', 'rating set ' || r.rating_set_id || ', rank ' || r.rank, r.theory_number, r.remark
from ratings r
where r.remark is not null
order by about, theory

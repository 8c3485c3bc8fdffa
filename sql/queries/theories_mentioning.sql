-- title: Theories whose text contains a word
-- description: The theories whose title, description or sub-points contain the given text (exact, case-insensitive substring, so acronyms such as ELK or IDA are found as written; default ELK), with where it occurs. For stemmed full-text search across the comments too, use the search query.
-- params: word
with wanted as (
  select lower(coalesce(nullif(trim(:word), ''), 'ELK')) as word
)
select t.number, t.title, 'title or description' as found_in, t.description as text
from theories t, wanted
where instr(lower(t.title || ' ' || t.description), wanted.word) > 0
union all
select p.theory_number, t.title, 'sub-point ' || p.id, p.text
from theory_points p
join theories t on t.number = p.theory_number, wanted
where instr(lower(p.text), wanted.word) > 0
order by 1, 3

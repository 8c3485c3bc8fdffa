-- description: Which comments discuss which theory, as far as the words show it. A comment "quotes" a theory when the passage it opens by quoting is taken from the theory's item (a trailing "..." marks a cut quotation); it "names" a theory when its own words contain the theory's title (case-insensitive, so a short title such as "Auditing" also matches the plain word). A rule applied to the text, not a curated judgement: a comment that discusses a theory without quoting or naming it is not listed.
with quotes as (
  select id, position,
    rtrim(case when quoted_text like '%...' then substr(quoted_text, 1, length(quoted_text) - 3) else quoted_text end) as passage
  from comments
  where quoted_text is not null
)
select q.id as comment_id, q.position as comment_position, t.number as theory_number, 'quotes' as link
from quotes q
join theories t
  on instr(t.title, q.passage) > 0
  or instr(t.description, q.passage) > 0
  or instr(t.title || ': ' || t.description, q.passage) > 0
  or instr(t.title || ' - ' || t.description, q.passage) > 0
union all
select c.id, c.position, t.number, 'names'
from comments c
join theories t on instr(lower(c.body), lower(t.title)) > 0
order by comment_position, theory_number, link

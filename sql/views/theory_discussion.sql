-- description: The one definition of "a comment discusses a theory", used by the theory pages, the saved queries and the charts alike. A comment discusses a theory when (1) "quotes": the passage it opens by quoting is taken from the theory's title, description or one of its sub-points (a trailing "..." marks a cut quotation; the rest is looked up); (2) "names": its own words contain the theory's title (case-insensitive, so a short title such as "Auditing" also matches the plain word); or (3) "argues": one of its arguments (data/curation/arguments.yml) takes a stance on the theory or one of its sub-points. One row per comment, theory and way; a comment found more than one way has more than one row, so count distinct comment_id. The first two are rules applied to the text, the third is the curated argument map.
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
  or exists (select 1 from theory_points p where p.theory_number = t.number and instr(p.text, q.passage) > 0)
union all
select c.id, c.position, t.number, 'names'
from comments c
join theories t on instr(lower(c.body), lower(t.title)) > 0
union all
select distinct c.id, c.position, g.theory_number, 'argues'
from comments c
join arguments a on a.comment_id = c.id
join argument_targets g on g.argument_id = a.id
order by comment_position, theory_number, link

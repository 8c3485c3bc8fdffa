-- title: What each reply quotes, and where the quotation comes from
-- description: Every comment that opens by quoting earlier text, with the passage and where it is found: the nearest earlier comment whose own words contain it, else the theory, sub-point or post section that contains it. A trailing "..." marks a quotation the commenter cut; the rest of it is what is looked up.
with quotes as (
  select id, position, quoted_text, body,
    rtrim(case when quoted_text like '%...' then substr(quoted_text, 1, length(quoted_text) - 3) else quoted_text end) as passage
  from comments
  where quoted_text is not null
)
select
  q.id as comment,
  coalesce(
    (select 'comment ' || e.id from comments e where e.position < q.position and instr(e.body, q.passage) > 0 order by e.position desc limit 1),
    (select 'theory ' || t.number from theories t where instr(t.description, q.passage) > 0 or instr(t.title, q.passage) > 0 order by t.number limit 1),
    (select 'sub-point ' || p.id from theory_points p where instr(p.text, q.passage) > 0 order by p.theory_number, p.position limit 1),
    (select 'post section ' || s.id from post_sections s where instr(s.text, q.passage) > 0 order by s.position limit 1)
  ) as quotes_from,
  q.quoted_text,
  q.body as replies
from quotes q
order by q.position

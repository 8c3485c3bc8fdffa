-- title: How long is each comment?
-- description: The 18 comments in page order with the length of their own words (characters and paragraphs, the opening quotation not counted) and whether they open by quoting earlier text.
-- chart: mark=bar x=comment:ordinal y=characters:quantitative color=opens_with
select
  c.id as comment,
  length(c.body) as characters,
  -- paragraphs are separated by one blank line
  (length(c.body) - length(replace(c.body, char(10) || char(10), ''))) / 2 + 1 as paragraphs,
  case when c.quoted_text is null then 'its own words' else 'a quotation' end as opens_with,
  substr(c.body, 1, 100) as begins
from comments c
order by c.position

-- title: Read the post in page order
-- description: The whole post as the page shows it: its paragraphs, the numbered theories and their indented sub-points, ordered by where each begins in the raw snapshot (start offset).
select start, 'section' as part, id, null as title, text
from post_sections
union all
select start, 'theory', number || '', title, description
from theories
union all
select start, 'sub-point', id, title, text
from theory_points
order by start

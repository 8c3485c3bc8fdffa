-- title: A comment thread as an indented tree
-- description: The sub-thread under one comment (choose its id, default c01: the auditing versus training-loop thread; c09 is the ELK thread), walked depth-first with a recursive query. Each reply is indented under the comment it answers, with how the parent was determined and the writer where the text shows it (writer_grade: stated = the text says so; inferred = the comment's own first-person words match what only that person says elsewhere).
-- params: root
with recursive tree(id, depth, path) as (
  select id, 0, printf('%02d', position)
  from comments
  where id = coalesce(nullif(trim(:root), ''), 'c01')
  union all
  select c.id, tree.depth + 1, tree.path || '.' || printf('%02d', c.position)
  from comments c join tree on c.parent_id = tree.id
)
select
  case when tree.depth = 0 then '' else printf('%.*c', tree.depth * 2, '·') || ' ' end
    || c.id || ': ' || substr(replace(replace(c.body, char(10) || char(10), ' '), char(10), ' '), 1, 90)
    || case when length(c.body) > 90 then '…' else '' end as comment,
  tree.depth,
  c.parent_id,
  c.parent_basis,
  p.name as writer,
  c.attribution_grade as writer_grade,
  c.body
from tree
join comments c on c.id = tree.id
left join participants p on p.id = c.participant_id
order by tree.path

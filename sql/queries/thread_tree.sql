-- title: A sub-thread, depth-first
-- description: The sub-thread under one comment (choose its id, default c01: the auditing versus training-loop thread; c09 is the ELK thread), walked depth-first with a recursive query, so each reply comes right after the comment it answers: its depth, its parent and how the parent was determined, the writer where the text shows it (writer_grade: stated = the text says so; inferred = the comment's own first-person words match what only that person says elsewhere), and the full text. The thread page (/thread) shows the whole discussion nested, as on LessWrong.
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
  c.id as comment,
  tree.depth,
  c.parent_id,
  c.parent_basis,
  p.name as writer,
  c.attribution_grade as writer_grade,
  c.quoted_text,
  c.body
from tree
join comments c on c.id = tree.id
left join participants p on p.id = c.participant_id
order by tree.path

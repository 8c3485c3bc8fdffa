-- title: The auditing versus training-loop debate (theories 3 and 9)
-- description: The post's main disagreement: auditing a trained model (theory 3) against interpretability tools in the training loop (theory 9 and its sub-points 9.1, 9.2). Every argument that takes a stance on either side, in page order (the thread's, then the critique's answers), with its stance, its voice (reported = a view the writer reports without holding it, like the post's "competing intuition"), the earlier argument it engages, and the evidence quote.
select
  case when t.theory_number = 3 then 'auditing (3)' else 'training loop (9)' end as side,
  t.target_id as target,
  t.stance,
  a.voice,
  a.id as argument,
  coalesce(a.comment_id, 'post: ' || a.post_section_id, 'critique: ' || a.critique_answer_id) as said_in,
  a.summary,
  (select group_concat(r.relation || ' ' || r.target_argument_id, '; ')
     from argument_relations r where r.argument_id = a.id) as engages,
  a.evidence_quote
from argument_targets t
join arguments a on a.id = t.argument_id
where t.theory_number in (3, 9)
order by a.start, side

-- title: Arguments for and against a theory
-- description: Every argument in the thread (and the post's disagreement paragraph), and every argument of the critique's answer (said in critique: ca..), that takes a stance on one theory or its sub-points (choose the theory number, default 3: auditing), grouped by stance, with its voice (own = the writer argues it; reported = the writer reports someone else's view, such as the post's "competing intuition"), the verbatim evidence quote, where it was said, and the writer where the text shows it, with how strongly (stated or inferred).
-- params: theory
select
  t.stance,
  t.target_id as target,
  a.id as argument,
  a.kind,
  a.voice,
  a.summary,
  a.evidence_quote,
  coalesce(a.comment_id, 'post: ' || a.post_section_id, 'critique: ' || a.critique_answer_id) as said_in,
  p.name as writer,
  c.attribution_grade as writer_grade
from argument_targets t
join arguments a on a.id = t.argument_id
left join comments c on c.id = a.comment_id
left join participants p on p.id = c.participant_id
where t.theory_number = cast(coalesce(nullif(trim(:theory), ''), '3') as integer)
order by case t.stance when 'supports' then 1 when 'opposes' then 2 when 'qualifies' then 3 else 4 end, a.voice = 'reported', a.start

-- description: One row per theory: how the thread and the post's disagreement paragraph argue about it (sub-points count towards their theory), counted so that splitting does not pay. own_* count arguments in the writer's own voice by stance; comments_* count the distinct comments (the post's paragraph counts as one) that take that stance in their own voice; comments counts every comment with an own-voice argument on the theory, writers_stated the distinct writers among them the text states (the post's paragraph is its author's; most comments are unattributed), reported the arguments that report a view the writer does not hold.
with own as (
  select s.theory_number, s.stance, s.argument_id,
    coalesce(a.comment_id, 'post:' || a.post_section_id) as source,
    case
      when a.post_section_id is not null then (select id from participants where role = 'post author')
      when c.attribution_grade = 'stated' then c.participant_id
    end as writer
  from argument_targets s
  join arguments a on a.id = s.argument_id and a.voice = 'own' and a.document_id = 'longlist'
  left join comments c on c.id = a.comment_id
)
select
  t.number,
  t.title,
  count(distinct case when o.stance = 'supports' then o.argument_id end) as own_supports,
  count(distinct case when o.stance = 'opposes' then o.argument_id end) as own_opposes,
  count(distinct case when o.stance = 'qualifies' then o.argument_id end) as own_qualifies,
  count(distinct case when o.stance = 'questions' then o.argument_id end) as own_questions,
  count(distinct case when o.stance = 'supports' then o.source end) as comments_supporting,
  count(distinct case when o.stance = 'opposes' then o.source end) as comments_opposing,
  count(distinct case when o.stance = 'qualifies' then o.source end) as comments_qualifying,
  count(distinct case when o.stance = 'questions' then o.source end) as comments_questioning,
  count(distinct o.source) as comments,
  count(distinct o.writer) as writers_stated,
  (select count(distinct r.argument_id) from argument_targets r join arguments ra on ra.id = r.argument_id
     where r.theory_number = t.number and ra.voice = 'reported' and ra.document_id = 'longlist') as reported
from theories t
left join own o on o.theory_number = t.number
group by t.number
order by t.number

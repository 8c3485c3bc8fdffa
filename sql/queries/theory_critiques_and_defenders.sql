-- title: Each theory with its critiques and its defenders
-- description: The two sides of the debate, theory by theory: how many arguments of the longlist's thread (the post and its comments, in their writers' own voice) support, oppose or qualify each theory, next to the critique's answer to it ("Against Almost Every Theory of Impact of Interpretability", August 2023): its stance (opposes, or qualifies where it grants the theory something), its critique types, the answers it repeats and its own words in full. Theory 6 is answered through its sub-points (ca06.1, ca06.2). The label starts with the zero-padded theory number.
with thread as (
  select s.theory_number,
    count(distinct case when s.stance = 'supports' then a.id end) as supports,
    count(distinct case when s.stance = 'opposes' then a.id end) as opposes,
    count(distinct case when s.stance = 'qualifies' then a.id end) as qualifies
  from argument_targets s join arguments a on a.id = s.argument_id
  where a.document_id = 'longlist' and a.voice = 'own'
  group by s.theory_number
),
critique as (
  select c.theory_number,
    group_concat(distinct g.stance) as stance,
    count(distinct a.id) as arguments
  from critique_answers c
  join arguments a on a.critique_answer_id = c.id
  join argument_targets g on g.argument_id = a.id
  group by c.theory_number
),
types as (
  select c.theory_number, group_concat(distinct t.label) as types
  from critique_answers c join critique_bullets b on b.answer_id = c.id join critique_types t on t.id = b.critique_type
  group by c.theory_number
),
repeats as (
  select c.theory_number, group_concat(r.target_answer_id, ', ') as repeats
  from critique_answers c join critique_references r on r.answer_id = c.id and r.kind = 'same_critique_as'
  group by c.theory_number
),
words as (
  select theory_number, group_concat(coalesce(theory_point_id || ': ', '') || text, char(10) || char(10)) as critique_text
  from (select * from critique_answers where text is not null order by position)
  group by theory_number
)
select
  printf('%02d %s', t.number, t.title) as theory,
  coalesce(th.supports, 0) as thread_supports,
  coalesce(th.opposes, 0) as thread_opposes,
  coalesce(th.qualifies, 0) as thread_qualifies,
  'ca' || printf('%02d', t.number) as critique_answer,
  cr.stance as critique_stance,
  cr.arguments as critique_arguments,
  ty.types as critique_types,
  rp.repeats as repeats,
  w.critique_text
from theories t
left join thread th on th.theory_number = t.number
left join critique cr on cr.theory_number = t.number
left join types ty on ty.theory_number = t.number
left join repeats rp on rp.theory_number = t.number
left join words w on w.theory_number = t.number
order by t.number

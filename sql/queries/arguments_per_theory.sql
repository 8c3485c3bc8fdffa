-- title: Arguments for and against each theory
-- description: How many arguments of the thread (the longlist post and its comments; the critique's answers have their own queries) take each stance on each theory (sub-points count towards their theory), counting only what a writer argues in their own voice (voice = own: the post's reported "competing intuition" is left out). Next to the arguments, the distinct comments they come from (the post's disagreement paragraph counts as one), so a comment cut into several arguments counts once, and the distinct writers among them that the text states (attribution_grade stated; the post's paragraph is its author's). Theories no argument targets are left out. The label starts with the zero-padded theory number so charts keep the list's order; stance_label numbers the stances (1 supports, 2 opposes, 3 qualifies, 4 questions) so that the live chart, which colours labels in alphabetical order, gives for and against its first two colours, apart in hue and lightness.
-- chart: mark=bar x=comments:quantitative y=theory:ordinal color=stance_label
select
  printf('%02d %s', t.number, t.title) as theory,
  s.stance,
  case s.stance when 'supports' then '1 supports' when 'opposes' then '2 opposes' when 'qualifies' then '3 qualifies' else '4 ' || s.stance end as stance_label,
  count(distinct s.argument_id) as arguments,
  count(distinct coalesce(a.comment_id, 'post:' || a.post_section_id)) as comments,
  count(distinct case
    when a.post_section_id is not null then (select id from participants where role = 'post author')
    when c.attribution_grade = 'stated' then c.participant_id
  end) as writers_stated
from argument_targets s
join arguments a on a.id = s.argument_id and a.voice = 'own' and a.document_id = 'longlist'
join theories t on t.number = s.theory_number
left join comments c on c.id = a.comment_id
group by t.number, s.stance
order by t.number, s.stance

-- title: Arguments for and against each theory
-- description: How many arguments of the thread (the longlist post and its comments; the critique's answers have their own queries) take each stance on each theory (sub-points count towards their theory), counting only what a writer argues in their own voice (voice = own: the post's reported "competing intuition" is left out). The bars count arguments: an argument takes one stance on a theory, so a theory's bar is as long as its own-voice arguments. Where they come from is counted apart, from the same definition as the view theory_argument_summary: sources_on_theory counts the distinct sources that argue about the theory at all (comments, and the post's disagreement paragraph as one), each once whatever stances it takes; sources_taking_stance counts those that take this row's stance, so a comment that both supports and opposes a theory is in two rows, and these do not add up to sources_on_theory. writers_stated counts the distinct writers among them that the text states (attribution_grade stated; the post's paragraph is its author's). Theories no argument targets are left out. The label starts with the zero-padded theory number so charts keep the list's order.
-- chart: mark=bar x=arguments:quantitative y=theory:ordinal color=stance
select
  printf('%02d %s', t.number, t.title) as theory,
  s.stance,
  count(distinct s.argument_id) as arguments,
  count(distinct coalesce(a.comment_id, 'post:' || a.post_section_id)) as sources_taking_stance,
  summary.comments as sources_on_theory,
  count(distinct case
    when a.post_section_id is not null then (select id from participants where role = 'post author')
    when c.attribution_grade = 'stated' then c.participant_id
  end) as writers_stated
from argument_targets s
join arguments a on a.id = s.argument_id and a.voice = 'own' and a.document_id = 'longlist'
join theories t on t.number = s.theory_number
join theory_argument_summary summary on summary.number = t.number
left join comments c on c.id = a.comment_id
group by t.number, s.stance
order by t.number, s.stance

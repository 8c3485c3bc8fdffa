-- title: Arguments for and against each theory
-- description: How many arguments in the thread and the post's disagreement paragraph take each stance on each theory (sub-points count towards their theory). Theories no argument targets are left out. The label starts with the zero-padded theory number so charts keep the list's order.
-- chart: mark=bar x=arguments:quantitative y=theory:ordinal color=stance
select
  printf('%02d %s', t.number, t.title) as theory,
  a.stance,
  count(*) as arguments
from argument_targets a
join theories t on t.number = a.theory_number
group by t.number, a.stance
order by t.number, a.stance

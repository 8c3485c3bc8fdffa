-- title: Arguments for and against each theory
-- description: How many arguments in the thread and the post's disagreement paragraph take each stance on each theory (sub-points count towards their theory). Theories no argument targets are left out. The label starts with the zero-padded theory number so charts keep the list's order.
-- chart: g.mark=bar&g.x_column=theory&g.x_type=ordinal&g.y_column=arguments&g.y_type=quantitative&g.color_column=stance&g.color_type=nominal
select
  printf('%02d %s', t.number, t.title) as theory,
  a.stance,
  count(*) as arguments
from argument_targets a
join theories t on t.number = a.theory_number
group by t.number, a.stance
order by t.number, a.stance

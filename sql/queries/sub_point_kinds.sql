-- title: Which theories have sub-points, and of what kind?
-- description: The theories with indented sub-points, in list order, with the number of sub-points of each kind (example, note, variant, quote; the kinds are curated in data/curation/theory_point_kinds.yml).
-- chart: mark=bar x=sub_points:quantitative y=theory:ordinal color=kind
-- datasette-vega sorts labels alphabetically: the zero-padded list number keeps them in list order
select
  printf('%02d %s', t.number, t.title) as theory,
  p.kind,
  count(*) as sub_points,
  group_concat(p.id, ', ') as ids
from theory_points p
join theories t on t.number = p.theory_number
group by t.number, p.kind
order by t.number, p.kind

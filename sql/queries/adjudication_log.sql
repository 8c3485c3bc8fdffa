-- title: Every difference between readings of the argument map, and how it was settled
-- description: Each difference between two readings of the argument map: for first-vs-second, the (comment, theory) stance pairs and (comment, earlier comment) relation pairs on which the first and second pass disagree (data/curation/adjudication.yml); for map-0.2.0-vs-longlist-thread-2026-12, every stance pair, sub-point target, relation pair, kind, voice and argument without a counterpart on which the map as released in 0.2.0 and the pre-registered reading differ (data/curation/readings/longlist-thread-2026-12/adjudication.yml); for critique-first-vs-second, the same for the critique's answers, and the critique types each answer carries, between the critique's first map and its independent reading (data/curation/readings/critique-2026-12/adjudication.yml). Both readings as the build computes them (first = the first pass or the map before adjudication, second = the second pass or the reading), the published map's reading now, the decision (first, second or neither), whether the published map changed, and the reason. The build checks each log lists exactly the differences.
select comparison, level, source, object,
  -- ' + ' lets a reading of several stances wrap, so the reason column keeps its width
  replace(first_reading, '+', ' + ') as first, replace(second_reading, '+', ' + ') as second,
  replace(adjudicated_reading, '+', ' + ') as published_now, decision, map_changed as changed, reason
from adjudications
order by comparison, level desc, id

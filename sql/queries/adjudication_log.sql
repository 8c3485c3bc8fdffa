-- title: Every disagreement between the two readings, and how it was settled
-- description: Each (comment, theory) stance pair and each (comment, earlier comment) relation pair on which the first and second pass of the argument map disagree: both readings as the build computes them, the published map's reading now, the decision (first, second or neither) and its reason. Curated in data/curation/adjudication.yml; the build checks the log lists exactly the disagreements.
select level, source, object, first_reading, second_reading, adjudicated_reading, decision, reason
from adjudications
order by level desc, id

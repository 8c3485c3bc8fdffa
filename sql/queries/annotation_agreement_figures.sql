-- title: How far two independent readings of the argument map agree
-- description: Inter-annotator agreement on the argument map (computed by the build, scripts/pipeline/agreement.py): the first pass (the map as released in 0.1.0) against an independent second pass made by an AI annotator from the raw text and the guidelines alone (see docs/argument-map.md for who made each pass and how), then the adjudicated map against the second pass. Cohen's kappa on the stance of each (comment, theory) pair, Jaccard and kappa on which comments target which theories, kappa on the relation types between comments' arguments, and kappa on kind and voice of aligned arguments. The disagreements and how each was settled: the adjudications table.
select comparison, level, measure, units, agreed, value, description
from annotation_agreement
order by comparison desc, id

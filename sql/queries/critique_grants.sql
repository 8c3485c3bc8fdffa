-- title: Theories the critique grants something
-- description: The answers of the critique that grant a theory something before they doubt it ("is valid, but", "a good theory of change, but", "Yes, it's an improvement, but", "could be useful but"): the critique's arguments whose stance is qualifies, with the verbatim words and the theory or sub-point they qualify. Every other argument of the critique opposes.
select
  printf('%02d %s', t.number, t.title) as theory,
  g.target_id as target,
  a.critique_answer_id as critique_answer,
  a.id as argument,
  a.summary,
  a.evidence_quote
from argument_targets g
join arguments a on a.id = g.argument_id and a.document_id = 'critique'
join theories t on t.number = g.theory_number
where g.stance = 'qualifies'
order by a.start, g.target_id

-- title: Critique types across the list
-- description: Which of its own critique types the critique gives each theory: one row per theory and type, counting the bullets of the answer (and of its nested answers to sub-points) that carry it. The types are the critique's bold headings ("Not the most direct way", "Dual Use", "Conceptual advances are more urgent", ...) and its two cross-references ("Same critique as N", "Critiqued in section ..."); each is defined in the table critique_types. Every theory has at least one. The label starts with the zero-padded theory number.
-- chart: mark=bar x=bullets:quantitative y=theory:ordinal color=critique_type
select
  printf('%02d %s', t.number, t.title) as theory,
  ty.label as critique_type,
  count(*) as bullets,
  group_concat(b.id, ', ') as bullet_ids,
  ty.definition
from critique_bullets b
join critique_answers c on c.id = b.answer_id
join theories t on t.number = c.theory_number
join critique_types ty on ty.id = b.critique_type
group by t.number, ty.id
order by t.number, ty.label

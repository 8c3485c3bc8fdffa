-- title: How the post (and the critique) relate the theories to one another
-- description: The relations the post itself states between theories and sub-points ("Similar to auditing", "This overlaps a lot with 7", the ambitious and less ambitious versions of 9, "Cultural shift 2"), each with the post's words and where they stand, then those the critique states in its answers ("Same critique as 10"; stated_by critique, stated_in the answer). Curated in data/curation/theory_relations.yml; only stated relations, none from topic alone.
select
  r.id,
  r.subject_id || ' ' || coalesce(sp.title, st.title) as subject,
  r.relation,
  r.object_id || ' ' || coalesce(op.title, ot.title) as object,
  r.stated_in,
  r.document_id as stated_by,
  r.evidence_quote
from theory_relations r
join theories st on st.number = r.subject_theory_number
join theories ot on ot.number = r.object_theory_number
left join theory_points sp on sp.id = r.subject_id
left join theory_points op on op.id = r.object_id
order by r.document_id = 'critique', r.subject_theory_number, r.id

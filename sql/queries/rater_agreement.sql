-- title: Agreement between raters
-- description: How closely each rating set's order of the theories matches the consensus of all the other sets and the discussion group's rank order: Spearman's rank correlation rho (1 = the same order, 0 = unrelated, -1 = reversed) over the theories both rated (shared), two rows per set. The 500 sets that agree most with the consensus, best first (the rating_agreement table has every set, sortable by each column); the label starts with the zero-padded place in this order so that charts keep it. rho is empty where fewer than 3 theories are shared, where a set gives every theory the same score, and for the group compared with itself.
-- chart: mark=circle x=rho:quantitative y=rater:ordinal color=compared_with scale=-1:1
-- chart_empty: There is no one to compare yet: agreement needs at least two rating sets that rank or score at least 3 of the same theories, and this version of the data has none besides the post's discussion group that does (docs/ratings.md says how to add one).
with top as (
  -- a top-N sort of the agreement table alone: cheap even with tens of thousands of sets
  select
    a.*,
    row_number() over (order by a.rho_with_consensus is null, a.rho_with_consensus desc, a.rating_set_id) as place,
    count(*) over () as sets
  from (
    select * from rating_agreement
    order by rho_with_consensus is null, rho_with_consensus desc, rating_set_id
    limit 500
  ) a
),
labelled as (
  select top.*, printf('%0*d %s', max(2, length(top.sets)), top.place, s.label) as rater, s.kind
  from top
  join rating_sets s on s.id = top.rating_set_id
)
select rater, rating_set_id, kind, 'the consensus of the other sets' as compared_with, shared_with_consensus as shared, rho_with_consensus as rho, place
from labelled
union all
select rater, rating_set_id, kind, 'the discussion group', shared_with_group, rho_with_group, place
from labelled
order by place, compared_with

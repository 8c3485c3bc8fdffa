-- title: Agreement between raters
-- description: How closely each rating set's order of the theories matches the consensus of all the other sets and the discussion group's rank order: Spearman's rank correlation rho (1 = the same order, 0 = unrelated, -1 = reversed) over the theories both rated, with how many that is. The 1,000 sets that agree most with the consensus, best first (the rating_agreement table has every set, sortable by each column); the label starts with the zero-padded place in this order so that charts keep it. Empty where fewer than 3 theories are shared or a set gives every theory the same score. Today the only rating set is the discussion group itself, so there is no one to compare yet.
-- chart: g.mark=bar&g.x_column=rater&g.x_type=ordinal&g.y_column=rho_with_consensus&g.y_type=quantitative&g.color_column=kind&g.color_type=nominal
with top as (
  -- a top-N sort of the agreement table alone: cheap even with tens of thousands of sets
  select *
  from rating_agreement
  order by rho_with_consensus is null, rho_with_consensus desc, rating_set_id
  limit 1000
)
select
  printf('%0*d %s', max(2, length(count(*) over ())), row_number() over (order by top.rho_with_consensus is null, top.rho_with_consensus desc, top.rating_set_id), s.label) as rater,
  top.rating_set_id,
  s.kind,
  top.shared_with_consensus,
  top.rho_with_consensus,
  top.shared_with_group,
  top.rho_with_group
from top
join rating_sets s on s.id = top.rating_set_id
order by top.rho_with_consensus is null, top.rho_with_consensus desc, top.rating_set_id

-- title: Agreement between raters
-- description: How closely each rating set's order of the theories matches the discussion group's rank order and the consensus of all the other sets: Spearman's rank correlation rho (1 = the same order, 0 = unrelated, -1 = reversed) over the theories both rated, with how many that is. Most agreeing with the consensus first; the label starts with the zero-padded place in this order so that charts keep it. Empty where fewer than 3 theories are shared or a set gives every theory the same score. Today the only rating set is the discussion group itself, so there is no one to compare yet.
-- chart: g.mark=bar&g.x_column=rater&g.x_type=ordinal&g.y_column=rho_with_consensus&g.y_type=quantitative&g.color_column=kind&g.color_type=nominal
with ordered as (
  select
    a.*,
    s.label,
    s.kind,
    row_number() over (order by a.rho_with_consensus is null, a.rho_with_consensus desc, a.rating_set_id) as place,
    count(*) over () as sets
  from rating_agreement a
  join rating_sets s on s.id = a.rating_set_id
)
select
  printf('%0*d %s', max(2, length(sets)), place, label) as rater,
  rating_set_id,
  kind,
  shared_with_consensus,
  rho_with_consensus,
  shared_with_group,
  rho_with_group
from ordered
order by place

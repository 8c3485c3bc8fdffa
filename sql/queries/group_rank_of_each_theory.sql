-- title: Where each theory landed in the discussion group's ranking
-- description: The theories in the post's list order, top to bottom, each placed at its rank in the discussion group's order (1 = best, 19 = worst) as the Exercise paragraph gives it. Theory 20 was added after the discussion and has no rank, so it is not drawn. The list number leads each label so the chart keeps the list order.
-- chart: mark=circle x=group_rank:quantitative y=theory:ordinal scale=1:19
-- datasette-vega sorts labels alphabetically: the zero-padded list number keeps them in list order
select
  printf('%02d %s', t.number, t.title) as theory,
  r.rank as group_rank,
  t.number
from theories t
join ratings r on r.theory_number = t.number and r.rating_set_id = 'discussion-group'
where r.rank is not null
order by t.number

-- title: Mean score per theory, with its spread
-- description: Each theory's scores out of 10 across the rating sets: how many sets scored it, the mean, the median and the standard deviation (the spread: how much raters disagree), with its mean rank across all sets and the discussion group's rank. Highest mean first; the label starts with the theory's zero-padded place in this order so that charts keep it. The means are empty until someone contributes scores: the post's discussion group gives a rank order only (see scored_by), so today the order falls back to the mean rank.
-- chart: mark=circle x=mean_score:quantitative y=theory:ordinal size=sd_score
with ordered as (
  select
    s.*,
    t.title,
    row_number() over (
      order by s.mean_score is null, s.mean_score desc, s.mean_rank is null, s.mean_rank, s.theory_number
    ) as place
  from theory_rating_stats s
  join theories t on t.number = s.theory_number
)
select
  printf('%02d %s', place, title) as theory,
  theory_number,
  scored_by,
  mean_score,
  median_score,
  sd_score,
  rated_by,
  mean_rank,
  group_rank
from ordered
order by place

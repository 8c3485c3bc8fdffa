-- title: Mean score per theory
-- description: Each theory's scores out of 10 across the rating sets: how many sets scored it, the mean, the median and the standard deviation (the spread: how much raters disagree), with its mean rank across all sets and the discussion group's rank. In list order, labelled by theory number; the chart draws one dot per theory at its mean, so a theory scored once or scored alike by everyone still gets its dot (the spread is in the sd_score column, not drawn). The means are empty until someone contributes scores: the post's discussion group gives a rank order only (see scored_by).
-- chart: mark=circle x=mean_score:quantitative y=theory:ordinal scale=0:10
-- chart_empty: No theory has a score yet. The post's discussion group ranked the theories without scoring them, and no rating set in this version of the data gives a score (docs/ratings.md says how to contribute one); the chart draws a dot per theory once a set does.
select
  printf('%02d %s', s.theory_number, t.title) as theory,
  s.theory_number,
  s.scored_by,
  s.mean_score,
  s.median_score,
  s.sd_score,
  s.rated_by,
  s.mean_rank,
  s.group_rank
from theory_rating_stats s
join theories t on t.number = s.theory_number
order by s.theory_number

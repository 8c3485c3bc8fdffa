-- title: Distribution of scores for one theory
-- description: How many rating sets gave each score out of 10 to one theory (choose its number, 1 to 20; default 3, the theory the post calls "the most controversial highly rated one"). Every whole score from 0 to 10 is listed, with any other score a rater gave in between; the label is zero-padded so that charts keep the order. All counts are 0 until someone contributes scores: the discussion group gives ranks, not scores.
-- params: number
-- chart: mark=bar x=score:ordinal y=raters:quantitative
-- chart_empty: No rating set has scored this theory yet. The post's discussion group ranked the theories without scoring them, and no contributed set in this version of the data scores this one (docs/ratings.md says how to contribute scores); the chart draws a bar per score given once someone does.
with recursive
  chosen as (select cast(coalesce(nullif(:number, ''), '3') as integer) as number),
  whole(score) as (select 0 union all select score + 1 from whole where score < 10),
  given as (
    select r.score, count(*) as raters
    from ratings r, chosen
    where r.theory_number = chosen.number and r.score is not null
    group by r.score
  ),
  bars as (select score from whole union select score from given)
select
  case when b.score = cast(b.score as integer) then printf('%02d', b.score) else printf('%04.1f', b.score) end as score,
  coalesce(g.raters, 0) as raters,
  (select t.number || ' ' || t.title from theories t, chosen where t.number = chosen.number) as theory
from bars b
left join given g on g.score = b.score
order by b.score

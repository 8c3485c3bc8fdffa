-- title: The most controversial highly rated theory
-- description: Checks the post's remark that theory 3 "was the most controversial highly rated one" against the scores in the dataset. Highly rated: the top half of the theories by mean score; most controversial: among those, the largest standard deviation of scores. Only theories with at least min_scores scores count (default 5, at least 2), and at least 2 such theories are needed; otherwise the answer is one row saying there is too little data. The verdict column says whether the data agrees with the post. The post's remark comes from its discussion group, which published a rank order only, so the remark itself cannot be recomputed from the dataset.
-- params: min_scores
with
  settings as (select max(2, cast(coalesce(nullif(:min_scores, ''), '5') as integer)) as min_scores),
  post as (select theory_number, remark from ratings where rating_set_id = 'discussion-group' and remark is not null),
  eligible as (select s.* from theory_rating_stats s, settings where s.scored_by >= settings.min_scores),
  enough as (select count(*) >= 2 as yes, count(*) as theories from eligible),
  halves as (select *, ntile(2) over (order by mean_score desc, theory_number) as half from eligible),
  highly_rated as (
    select *, row_number() over (order by sd_score desc, mean_score desc, theory_number) as place
    from halves
    where half = 1
  )
select
  h.place as controversy_place,
  h.theory_number,
  t.title,
  h.scored_by,
  h.mean_score,
  h.sd_score,
  case
    when h.place > 1 then null
    when h.theory_number = post.theory_number then
      'Agrees with the post: theory ' || h.theory_number || ' is the most controversial of the highly rated theories here too.'
    else
      'Differs from the post: here theory ' || h.theory_number || ' is the most controversial highly rated one; the post names theory ' || post.theory_number || '.'
  end as verdict,
  post.remark as post_remark
from highly_rated h
join theories t on t.number = h.theory_number, post, enough
where enough.yes
union all
select
  null, null, null,
  (select max(scored_by) from theory_rating_stats),
  null, null,
  'Too little data to check the post''s remark: ' || enough.theories || ' theories have at least ' || settings.min_scores
    || ' scores (the most scores any theory has is ' || (select max(scored_by) from theory_rating_stats)
    || '), and at least 2 are needed. The discussion group gives ranks only.',
  post.remark
from settings, post, enough
where not enough.yes
order by 1

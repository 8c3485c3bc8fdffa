-- title: Which comments discuss a person, work or idea?
-- description: Every comment whose own words name one entry of the mentions vocabulary (choose its id, default elk; others: ida, rlhf, deceptive-alignment, gradient-hacking, simplicity-prior, tao-lin, rohin ... see the mentions table), with how often, the words as written, and the arguments whose evidence quote contains a mention. Occurrences are found by the build (whole words, case as the vocabulary says), not curated one by one; a reply's opening quotation is not searched, so only the comment's own words count.
-- params: mention
with chosen as (select coalesce(nullif(trim(:mention), ''), 'elk') as id)
select
  o.comment_id as comment,
  count(*) as times,
  group_concat(distinct o.text) as written_as,
  (select group_concat(a.id, ', ') from arguments a
     where a.comment_id = o.comment_id
       and exists (select 1 from mention_occurrences x, chosen
                   where x.mention_id = chosen.id and x.start >= a.start and x.end <= a.end)) as arguments,
  substr(c.body, 1, 200) as beginning
from mention_occurrences o
join chosen on o.mention_id = chosen.id
join comments c on c.id = o.comment_id
group by o.comment_id
order by c.position

-- title: Search theories, sub-points, the post, the comments, the critique and the arguments
-- description: Full-text search (SQLite FTS5, English stemming) across the theories, their sub-points, the post's other paragraphs, the comments, the critique's answers, the arguments of the argument map (the thread's and the critique's), the relations the post states between theories, the mentions vocabulary and the adjudication log, best matches first. The words are matched as one phrase, with English stemming (deceptive matches deception). Default search: deception. Best matches first (by FTS5's rank, which orders the rows and is not shown); a comment's title is its opening words, cut after a whole word.
-- params: q
-- The words are searched as one quoted phrase, so no input is an FTS syntax error.
-- One branch per table with full-text search (scripts/pipeline/load.py FTS_COLUMNS); to add a table,
-- copy a branch and name its kind, id and title. A test checks every FTS table is searched here.
with query as (select '"' || replace(coalesce(nullif(trim(:q), ''), 'deception'), '"', '""') || '"' as q)
select kind, id, title, snippet from (
select 'theory' as kind, t.number || '' as id, t.title as title,
  snippet(theories_fts, -1, '[', ']', ' … ', 16) as snippet, theories_fts.rank as score
from theories_fts join theories t on t.rowid = theories_fts.rowid, query
where theories_fts match query.q
union all
select 'sub-point', p.id, p.title,
  snippet(theory_points_fts, -1, '[', ']', ' … ', 16), theory_points_fts.rank
from theory_points_fts join theory_points p on p.rowid = theory_points_fts.rowid, query
where theory_points_fts match query.q
union all
select 'post section', s.id, s.id,
  snippet(post_sections_fts, -1, '[', ']', ' … ', 16), post_sections_fts.rank
from post_sections_fts join post_sections s on s.rowid = post_sections_fts.rowid, query
where post_sections_fts match query.q
union all
select 'comment', c.id, case
    -- its opening words, cut after a whole word
    when length(c.body) <= 70 or instr(substr(c.body, 61), ' ') = 0 then replace(c.body, char(10), ' ')
    else replace(substr(c.body, 1, 59 + instr(substr(c.body, 61), ' ')), char(10), ' ') || ' …'
  end,
  snippet(comments_fts, -1, '[', ']', ' … ', 16), comments_fts.rank
from comments_fts join comments c on c.rowid = comments_fts.rowid, query
where comments_fts match query.q
union all
select 'argument', a.id, a.summary,
  snippet(arguments_fts, -1, '[', ']', ' … ', 16), arguments_fts.rank
from arguments_fts join arguments a on a.rowid = arguments_fts.rowid, query
where arguments_fts match query.q
union all
select 'theory relation', r.id, r.subject_id || ' ' || replace(r.relation, '_', ' ') || ' ' || r.object_id,
  snippet(theory_relations_fts, -1, '[', ']', ' … ', 16), theory_relations_fts.rank
from theory_relations_fts join theory_relations r on r.rowid = theory_relations_fts.rowid, query
where theory_relations_fts match query.q
union all
select 'mention', m.id, m.label,
  snippet(mentions_fts, -1, '[', ']', ' … ', 16), mentions_fts.rank
from mentions_fts join mentions m on m.rowid = mentions_fts.rowid, query
where mentions_fts match query.q
union all
select 'critique answer', c.id, 'The critique on ' || c.theory_number || ': ' || c.quoted_title,
  snippet(critique_answers_fts, -1, '[', ']', ' … ', 16), critique_answers_fts.rank
from critique_answers_fts join critique_answers c on c.rowid = critique_answers_fts.rowid, query
where critique_answers_fts match query.q
union all
select 'adjudication', j.id, j.source || ' / ' || j.object,
  snippet(adjudications_fts, -1, '[', ']', ' … ', 16), adjudications_fts.rank
from adjudications_fts join adjudications j on j.rowid = adjudications_fts.rowid, query
where adjudications_fts match query.q
)
order by score

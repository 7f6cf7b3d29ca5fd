-- The still a saved video's card shows, made once after the video is saved: its size in
-- pixels once made, or the code of why none can be made (the card keeps its placeholder and
-- the video is not tried again). The file itself is `posters/<id>.jpg` in the data folder.
ALTER TABLE tasks ADD COLUMN poster_width INTEGER;
ALTER TABLE tasks ADD COLUMN poster_height INTEGER;
ALTER TABLE tasks ADD COLUMN poster_error TEXT;
CREATE INDEX tasks_needing_posters ON tasks (finished_at)
  WHERE state = 'done' AND poster_width IS NULL AND poster_error IS NULL;

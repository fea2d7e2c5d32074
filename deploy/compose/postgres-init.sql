-- Run once by the postgres image on an empty data volume (compose.yaml): the
-- databases beside the case store's (POSTGRES_DB=casestore), one per store, as
-- README.md's production profile has them.
CREATE DATABASE channels;
CREATE DATABASE tracker;
CREATE DATABASE actions;

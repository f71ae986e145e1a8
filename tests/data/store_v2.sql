-- A rappel store at schema version 2, with a little data in every table: what version 1
-- (store_v1.sql) becomes after its migration, dumped with the sqlite3 shell. tests/test_store.c
-- builds a database from it and checks that the current rappel opens it. Never edit: it is history.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE calls ( id TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 1 AND 256), source_file TEXT, agent TEXT, customer TEXT, started_unix_s INTEGER NOT NULL, analysed_unix_s INTEGER NOT NULL, duration_s REAL CHECK (duration_s >= 0), channel_map TEXT NOT NULL, model_version TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'analysing' CHECK (state IN ('analysing', 'done', 'failed')), fail_reason TEXT, writer_host TEXT, writer_pid INTEGER, updated_unix_s INTEGER NOT NULL DEFAULT 0) STRICT;
INSERT INTO calls VALUES('9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08','calls/monday-0900.wav','alice','Müller GmbH',1714550400,1714600000,312.5,'agent=0,customer=1','rappel-model 0.1','done',NULL,NULL,NULL,1714600000);
INSERT INTO calls VALUES('live-0042',NULL,'bob',NULL,1714560000,1714560000,NULL,'customer=0','rappel-model 0.1','analysing',NULL,NULL,NULL,1714560000);
CREATE TABLE channel_stats ( call_id TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE, role TEXT NOT NULL CHECK (role IN ('agent', 'customer')), channel INTEGER NOT NULL CHECK (channel >= 0), speech_s REAL NOT NULL CHECK (speech_s >= 0), pause_count INTEGER NOT NULL CHECK (pause_count >= 0), pause_total_s REAL NOT NULL CHECK (pause_total_s >= 0), pause_max_s REAL NOT NULL CHECK (pause_max_s >= 0), f0_median_hz REAL, f0_sd_st REAL, speaking_rate_sps REAL, frustration_max REAL NOT NULL, frustration_mean REAL NOT NULL, hesitation_max REAL NOT NULL, hesitation_mean REAL NOT NULL, fatigue_max REAL NOT NULL, fatigue_mean REAL NOT NULL, PRIMARY KEY (call_id, role)) STRICT, WITHOUT ROWID;
INSERT INTO channel_stats VALUES('9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08','agent',0,140.0,12,9.5,1.8000000000000000444,118.0,2.1000000000000000888,4.2000000000000001776,0.10000000000000000555,0.050000000000000002775,0.2000000000000000111,0.10000000000000000555,0.29999999999999998889,0.2000000000000000111);
INSERT INTO channel_stats VALUES('9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08','customer',1,120.0,20,31.0,4.2000000000000001776,205.0,3.3999999999999999111,3.1000000000000000888,0.91,0.4000000000000000222,0.59999999999999997779,0.29999999999999998889,0.2000000000000000111,0.10000000000000000555);
CREATE TABLE timeline ( call_id TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE, role TEXT NOT NULL CHECK (role IN ('agent', 'customer')), t_s REAL NOT NULL CHECK (t_s >= 0), f0_st REAL, energy_db REAL, speech INTEGER NOT NULL CHECK (speech IN (0, 1)), frustration REAL, hesitation REAL, fatigue REAL, PRIMARY KEY (call_id, role, t_s)) STRICT, WITHOUT ROWID;
INSERT INTO timeline VALUES('9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08','customer',0.0,NULL,-60.0,0,NULL,NULL,NULL);
INSERT INTO timeline VALUES('9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08','customer',1.0,2.5,-21.0,1,0.2000000000000000111,0.10000000000000000555,0.0);
CREATE TABLE alerts ( id INTEGER PRIMARY KEY AUTOINCREMENT, call_id TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE, kind TEXT NOT NULL CHECK (kind IN ('frustration', 'hesitation', 'fatigue', 'dead_air', 'overtalk')), role TEXT NOT NULL CHECK (role IN ('agent', 'customer', 'both')), t_start_s REAL NOT NULL CHECK (t_start_s >= 0), t_end_s REAL NOT NULL CHECK (t_end_s >= t_start_s), score REAL NOT NULL CHECK (score BETWEEN 0 AND 1), priority INTEGER NOT NULL DEFAULT 0 CHECK (priority BETWEEN 0 AND 100), evidence TEXT NOT NULL CHECK (json_valid(evidence)), model_version TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'done', 'dismissed')), assignee TEXT, raised_unix_s INTEGER NOT NULL, created_unix_s INTEGER NOT NULL, updated_unix_s INTEGER NOT NULL, top_cues TEXT, status_rank INTEGER GENERATED ALWAYS AS (CASE status WHEN 'open' THEN 0 WHEN 'acknowledged' THEN 1 WHEN 'done' THEN 2 ELSE 3 END) VIRTUAL) STRICT;
INSERT INTO alerts VALUES(1,'9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08','frustration','customer',135.0,161.0,0.91,0,'{"cues":[{"name":"f0_rise","value":4.1,"unit":"st"},{"name":"energy_up","value":6.0,"unit":"dB"},{"name":"rate_up"},{"name":"interruptions"}]}','rappel-model 0.1','acknowledged','carol',1714550535,1714600000,1714610000,'f0_rise, energy_up, rate_up');
INSERT INTO alerts VALUES(2,'9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08','hesitation','customer',200.0,214.0,0.62,0,'{"cues":["long_pauses","fillers"]}','rappel-model 0.1','open',NULL,1714550600,1714600000,1714600000,'long_pauses, fillers');
INSERT INTO alerts VALUES(3,'live-0042','dead_air','both',30.0,41.0,0.8,10,'{}','rappel-model 0.1','open',NULL,1714560030,1714560041,1714560041,NULL);
CREATE TABLE alert_history ( id INTEGER PRIMARY KEY, alert_id INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE, from_status TEXT NOT NULL, to_status TEXT NOT NULL, changed_by TEXT NOT NULL, changed_unix_s INTEGER NOT NULL, note TEXT) STRICT;
INSERT INTO alert_history VALUES(1,1,'open','acknowledged','carol',1714610000,'calling back "today"; it''s urgent');
DELETE FROM sqlite_sequence;
INSERT INTO sqlite_sequence VALUES('alerts',3);
CREATE INDEX calls_started ON calls (started_unix_s);
CREATE INDEX calls_agent ON calls (agent, started_unix_s);
CREATE INDEX alert_history_alert ON alert_history (alert_id);
CREATE INDEX alerts_call ON alerts (call_id, status);
CREATE INDEX alerts_followup ON alerts (status_rank, priority DESC, score DESC, raised_unix_s DESC, id DESC);
CREATE INDEX alerts_raised ON alerts (raised_unix_s);
COMMIT;
PRAGMA user_version = 2;

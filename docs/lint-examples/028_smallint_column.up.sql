-- squawk prefer-bigint-over-smallint / prefer-identity.
CREATE TABLE IF NOT EXISTS ratings (id smallserial PRIMARY KEY, score smallint);

-- nothing to do yet
/* a block
   comment; with a semicolon */
-- the end; really

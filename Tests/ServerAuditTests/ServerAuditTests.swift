// Tests of the server configuration audit live in the Apache*, Nginx* and Config* files of this folder.

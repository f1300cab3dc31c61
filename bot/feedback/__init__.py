"""Citizens' feedback: kinds, topics, tracking codes and legal deadlines."""

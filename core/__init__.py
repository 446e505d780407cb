"""The bottom layer: what every app may use. It imports no app of Puente
(the import contracts in .importlinter keep it so)."""

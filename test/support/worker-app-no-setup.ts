// An app module that forgot its setup() export (workers: N must refuse it).
export const notSetup = 1;

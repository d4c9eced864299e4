import { InitIntake1767225600000 } from './1767225600000-InitIntake';
import { GridReferenceData1767225600001 } from './1767225600001-GridReferenceData';

/** Every migration of the intake schema, oldest first. */
export const intakeMigrations = [InitIntake1767225600000, GridReferenceData1767225600001];

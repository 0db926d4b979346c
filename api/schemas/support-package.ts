import { z } from 'zod';
import { text } from './common.js';
import type { SupportPackageAssignment } from '../../domain/support-package.js';

/** The team named at designation (包保责任体系); a post left out is vacant. */
export const SupportPackageAssignmentSchema: z.ZodType<SupportPackageAssignment> = z
  .strictObject({
    townshipCadrePersonId: z.uuid().nullable().optional().describe('包村乡镇干部（人员ID）'),
    firstSecretaryPersonId: z.uuid().nullable().optional().describe('驻村第一书记（人员ID）'),
    workTeamPersonIds: z.array(z.uuid()).max(20).optional().describe('驻村工作队成员（人员ID）'),
    pairedDepartment: z
      .strictObject({ name: text(100).describe('结对帮扶单位名称'), contactPersonId: z.uuid().nullable().optional().describe('联系人（人员ID）') })
      .nullable()
      .optional(),
  })
  .meta({ id: 'SupportPackageAssignment' });

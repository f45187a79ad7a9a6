/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "mutation AcceptInvitation($id: ID!) {\n  acceptInvitation(id: $id) {\n    __typename\n    ...InvitationFields\n    ...OperationMessages\n  }\n}": typeof types.AcceptInvitationDocument,
    "mutation AddProjectMember($data: ProjectMemberInput!) {\n  addProjectMember(data: $data) {\n    __typename\n    ...InviteFields\n    ...OperationMessages\n  }\n}": typeof types.AddProjectMemberDocument,
    "mutation CancelInvitation($id: ID!) {\n  cancelInvitation(id: $id) {\n    __typename\n    ...InviteFields\n    ...OperationMessages\n  }\n}": typeof types.CancelInvitationDocument,
    "mutation CreateExample($data: ExampleInput!) {\n  createExample(data: $data) {\n    __typename\n    ...ExampleFields\n    ...OperationMessages\n  }\n}": typeof types.CreateExampleDocument,
    "mutation CreateProject($data: ProjectInput!) {\n  createProject(data: $data) {\n    __typename\n    ...ProjectFields\n    ...OperationMessages\n  }\n}": typeof types.CreateProjectDocument,
    "mutation DeclineInvitation($id: ID!) {\n  declineInvitation(id: $id) {\n    __typename\n    ...InvitationFields\n    ...OperationMessages\n  }\n}": typeof types.DeclineInvitationDocument,
    "mutation DeleteExample($id: ID!, $ifUpdatedAt: DateTime) {\n  deleteExample(id: $id, ifUpdatedAt: $ifUpdatedAt) {\n    __typename\n    ...ExampleFields\n    ...OperationMessages\n  }\n}": typeof types.DeleteExampleDocument,
    "mutation DeleteProject($id: ID!, $ifUpdatedAt: DateTime) {\n  deleteProject(id: $id, ifUpdatedAt: $ifUpdatedAt) {\n    __typename\n    ...ProjectFields\n    ...OperationMessages\n  }\n}": typeof types.DeleteProjectDocument,
    "mutation DuplicateExample($id: ID!) {\n  duplicateExample(id: $id) {\n    __typename\n    ...ExampleFields\n    ...OperationMessages\n  }\n}": typeof types.DuplicateExampleDocument,
    "query Example($id: ID!) {\n  example(id: $id) {\n    ...ExampleFields\n  }\n}": typeof types.ExampleDocument,
    "subscription ExampleEvents($after: ID, $projectId: ID) {\n  exampleEvents(projectId: $projectId, after: $after) {\n    kind\n    id\n    eventId\n    example {\n      ...ExampleFields\n    }\n  }\n}": typeof types.ExampleEventsDocument,
    "query Examples($filters: ExampleFilter, $ordering: [ExampleOrder!], $pagination: OffsetPaginationInput) {\n  examples(filters: $filters, ordering: $ordering, pagination: $pagination) {\n    totalCount\n    pageInfo {\n      limit\n      offset\n    }\n    results {\n      ...ExampleFields\n    }\n  }\n}": typeof types.ExamplesDocument,
    "query ExamplesPage($after: String, $before: String, $filters: ExampleFilter, $first: Int, $last: Int, $ordering: [ExampleOrder!]) {\n  examplesConnection(\n    first: $first\n    after: $after\n    last: $last\n    before: $before\n    filters: $filters\n    ordering: $ordering\n  ) {\n    edges {\n      cursor\n      node {\n        ...ExampleFields\n      }\n    }\n    pageInfo {\n      hasNextPage\n      hasPreviousPage\n      startCursor\n      endCursor\n    }\n  }\n}": typeof types.ExamplesPageDocument,
    "query Invitations($pagination: OffsetPaginationInput) {\n  invitations(pagination: $pagination) {\n    totalCount\n    results {\n      ...InvitationFields\n    }\n  }\n}": typeof types.InvitationsDocument,
    "query Me {\n  me {\n    id\n    username\n    email\n    name\n    dateJoined\n    profile {\n      displayName\n      bio\n      timezone\n      updatedAt\n    }\n  }\n}": typeof types.MeDocument,
    "query Project($examples: OffsetPaginationInput, $id: ID!, $members: OffsetPaginationInput) {\n  project(id: $id) {\n    ...ProjectFields\n    members(pagination: $members) {\n      totalCount\n      results {\n        ...ProjectMemberFields\n      }\n    }\n    invitations {\n      totalCount\n      results {\n        ...InviteFields\n      }\n    }\n    examples(pagination: $examples) {\n      totalCount\n      pageInfo {\n        limit\n        offset\n      }\n      results {\n        id\n        title\n        createdAt\n        updatedAt\n        owner {\n          ...PublicUserFields\n        }\n      }\n    }\n  }\n}": typeof types.ProjectDocument,
    "query Projects($pagination: OffsetPaginationInput) {\n  projects(pagination: $pagination) {\n    totalCount\n    pageInfo {\n      limit\n      offset\n    }\n    results {\n      ...ProjectFields\n    }\n  }\n}": typeof types.ProjectsDocument,
    "mutation RemoveProjectMember($projectId: ID!, $username: String!) {\n  removeProjectMember(projectId: $projectId, username: $username) {\n    __typename\n    ...ProjectMemberFields\n    ...OperationMessages\n  }\n}": typeof types.RemoveProjectMemberDocument,
    "mutation UpdateExample($data: ExamplePartialInput!, $ifUpdatedAt: DateTime) {\n  updateExample(data: $data, ifUpdatedAt: $ifUpdatedAt) {\n    __typename\n    ...ExampleFields\n    ...OperationMessages\n  }\n}": typeof types.UpdateExampleDocument,
    "mutation UpdateProfile($data: ProfileInput!) {\n  updateProfile(data: $data) {\n    __typename\n    ... on Profile {\n      displayName\n      bio\n      timezone\n      updatedAt\n    }\n    ...OperationMessages\n  }\n}": typeof types.UpdateProfileDocument,
    "mutation UpdateProject($data: ProjectPartialInput!, $ifUpdatedAt: DateTime) {\n  updateProject(data: $data, ifUpdatedAt: $ifUpdatedAt) {\n    __typename\n    ...ProjectFields\n    ...OperationMessages\n  }\n}": typeof types.UpdateProjectDocument,
    "mutation UpdateProjectMember($data: ProjectMemberInput!) {\n  updateProjectMember(data: $data) {\n    __typename\n    ...ProjectMemberFields\n    ...OperationMessages\n  }\n}": typeof types.UpdateProjectMemberDocument,
    "fragment ExampleFields on Example {\n  id\n  title\n  content\n  createdAt\n  updatedAt\n  owner {\n    ...PublicUserFields\n  }\n  project {\n    id\n    name\n    role\n  }\n}\n\nfragment PublicUserFields on PublicUser {\n  id\n  username\n  name\n}\n\nfragment ProjectFields on Project {\n  id\n  name\n  description\n  role\n  createdAt\n  updatedAt\n  owner {\n    ...PublicUserFields\n  }\n}\n\nfragment ProjectMemberFields on ProjectMember {\n  user {\n    ...PublicUserFields\n  }\n  role\n  addedAt\n}\n\nfragment InviteFields on Invitation {\n  id\n  username\n  role\n  status\n  createdAt\n  expiresAt\n}\n\nfragment InvitationFields on Invitation {\n  id\n  project {\n    id\n    name\n  }\n  role\n  invitedBy {\n    ...PublicUserFields\n  }\n  createdAt\n  expiresAt\n}\n\nfragment OperationMessages on OperationInfo {\n  messages {\n    kind\n    field\n    message\n    code\n  }\n}": typeof types.ExampleFieldsFragmentDoc,
};
const documents: Documents = {
    "mutation AcceptInvitation($id: ID!) {\n  acceptInvitation(id: $id) {\n    __typename\n    ...InvitationFields\n    ...OperationMessages\n  }\n}": types.AcceptInvitationDocument,
    "mutation AddProjectMember($data: ProjectMemberInput!) {\n  addProjectMember(data: $data) {\n    __typename\n    ...InviteFields\n    ...OperationMessages\n  }\n}": types.AddProjectMemberDocument,
    "mutation CancelInvitation($id: ID!) {\n  cancelInvitation(id: $id) {\n    __typename\n    ...InviteFields\n    ...OperationMessages\n  }\n}": types.CancelInvitationDocument,
    "mutation CreateExample($data: ExampleInput!) {\n  createExample(data: $data) {\n    __typename\n    ...ExampleFields\n    ...OperationMessages\n  }\n}": types.CreateExampleDocument,
    "mutation CreateProject($data: ProjectInput!) {\n  createProject(data: $data) {\n    __typename\n    ...ProjectFields\n    ...OperationMessages\n  }\n}": types.CreateProjectDocument,
    "mutation DeclineInvitation($id: ID!) {\n  declineInvitation(id: $id) {\n    __typename\n    ...InvitationFields\n    ...OperationMessages\n  }\n}": types.DeclineInvitationDocument,
    "mutation DeleteExample($id: ID!, $ifUpdatedAt: DateTime) {\n  deleteExample(id: $id, ifUpdatedAt: $ifUpdatedAt) {\n    __typename\n    ...ExampleFields\n    ...OperationMessages\n  }\n}": types.DeleteExampleDocument,
    "mutation DeleteProject($id: ID!, $ifUpdatedAt: DateTime) {\n  deleteProject(id: $id, ifUpdatedAt: $ifUpdatedAt) {\n    __typename\n    ...ProjectFields\n    ...OperationMessages\n  }\n}": types.DeleteProjectDocument,
    "mutation DuplicateExample($id: ID!) {\n  duplicateExample(id: $id) {\n    __typename\n    ...ExampleFields\n    ...OperationMessages\n  }\n}": types.DuplicateExampleDocument,
    "query Example($id: ID!) {\n  example(id: $id) {\n    ...ExampleFields\n  }\n}": types.ExampleDocument,
    "subscription ExampleEvents($after: ID, $projectId: ID) {\n  exampleEvents(projectId: $projectId, after: $after) {\n    kind\n    id\n    eventId\n    example {\n      ...ExampleFields\n    }\n  }\n}": types.ExampleEventsDocument,
    "query Examples($filters: ExampleFilter, $ordering: [ExampleOrder!], $pagination: OffsetPaginationInput) {\n  examples(filters: $filters, ordering: $ordering, pagination: $pagination) {\n    totalCount\n    pageInfo {\n      limit\n      offset\n    }\n    results {\n      ...ExampleFields\n    }\n  }\n}": types.ExamplesDocument,
    "query ExamplesPage($after: String, $before: String, $filters: ExampleFilter, $first: Int, $last: Int, $ordering: [ExampleOrder!]) {\n  examplesConnection(\n    first: $first\n    after: $after\n    last: $last\n    before: $before\n    filters: $filters\n    ordering: $ordering\n  ) {\n    edges {\n      cursor\n      node {\n        ...ExampleFields\n      }\n    }\n    pageInfo {\n      hasNextPage\n      hasPreviousPage\n      startCursor\n      endCursor\n    }\n  }\n}": types.ExamplesPageDocument,
    "query Invitations($pagination: OffsetPaginationInput) {\n  invitations(pagination: $pagination) {\n    totalCount\n    results {\n      ...InvitationFields\n    }\n  }\n}": types.InvitationsDocument,
    "query Me {\n  me {\n    id\n    username\n    email\n    name\n    dateJoined\n    profile {\n      displayName\n      bio\n      timezone\n      updatedAt\n    }\n  }\n}": types.MeDocument,
    "query Project($examples: OffsetPaginationInput, $id: ID!, $members: OffsetPaginationInput) {\n  project(id: $id) {\n    ...ProjectFields\n    members(pagination: $members) {\n      totalCount\n      results {\n        ...ProjectMemberFields\n      }\n    }\n    invitations {\n      totalCount\n      results {\n        ...InviteFields\n      }\n    }\n    examples(pagination: $examples) {\n      totalCount\n      pageInfo {\n        limit\n        offset\n      }\n      results {\n        id\n        title\n        createdAt\n        updatedAt\n        owner {\n          ...PublicUserFields\n        }\n      }\n    }\n  }\n}": types.ProjectDocument,
    "query Projects($pagination: OffsetPaginationInput) {\n  projects(pagination: $pagination) {\n    totalCount\n    pageInfo {\n      limit\n      offset\n    }\n    results {\n      ...ProjectFields\n    }\n  }\n}": types.ProjectsDocument,
    "mutation RemoveProjectMember($projectId: ID!, $username: String!) {\n  removeProjectMember(projectId: $projectId, username: $username) {\n    __typename\n    ...ProjectMemberFields\n    ...OperationMessages\n  }\n}": types.RemoveProjectMemberDocument,
    "mutation UpdateExample($data: ExamplePartialInput!, $ifUpdatedAt: DateTime) {\n  updateExample(data: $data, ifUpdatedAt: $ifUpdatedAt) {\n    __typename\n    ...ExampleFields\n    ...OperationMessages\n  }\n}": types.UpdateExampleDocument,
    "mutation UpdateProfile($data: ProfileInput!) {\n  updateProfile(data: $data) {\n    __typename\n    ... on Profile {\n      displayName\n      bio\n      timezone\n      updatedAt\n    }\n    ...OperationMessages\n  }\n}": types.UpdateProfileDocument,
    "mutation UpdateProject($data: ProjectPartialInput!, $ifUpdatedAt: DateTime) {\n  updateProject(data: $data, ifUpdatedAt: $ifUpdatedAt) {\n    __typename\n    ...ProjectFields\n    ...OperationMessages\n  }\n}": types.UpdateProjectDocument,
    "mutation UpdateProjectMember($data: ProjectMemberInput!) {\n  updateProjectMember(data: $data) {\n    __typename\n    ...ProjectMemberFields\n    ...OperationMessages\n  }\n}": types.UpdateProjectMemberDocument,
    "fragment ExampleFields on Example {\n  id\n  title\n  content\n  createdAt\n  updatedAt\n  owner {\n    ...PublicUserFields\n  }\n  project {\n    id\n    name\n    role\n  }\n}\n\nfragment PublicUserFields on PublicUser {\n  id\n  username\n  name\n}\n\nfragment ProjectFields on Project {\n  id\n  name\n  description\n  role\n  createdAt\n  updatedAt\n  owner {\n    ...PublicUserFields\n  }\n}\n\nfragment ProjectMemberFields on ProjectMember {\n  user {\n    ...PublicUserFields\n  }\n  role\n  addedAt\n}\n\nfragment InviteFields on Invitation {\n  id\n  username\n  role\n  status\n  createdAt\n  expiresAt\n}\n\nfragment InvitationFields on Invitation {\n  id\n  project {\n    id\n    name\n  }\n  role\n  invitedBy {\n    ...PublicUserFields\n  }\n  createdAt\n  expiresAt\n}\n\nfragment OperationMessages on OperationInfo {\n  messages {\n    kind\n    field\n    message\n    code\n  }\n}": types.ExampleFieldsFragmentDoc,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation AcceptInvitation($id: ID!) {\n  acceptInvitation(id: $id) {\n    __typename\n    ...InvitationFields\n    ...OperationMessages\n  }\n}"): typeof import('./graphql').AcceptInvitationDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation AddProjectMember($data: ProjectMemberInput!) {\n  addProjectMember(data: $data) {\n    __typename\n    ...InviteFields\n    ...OperationMessages\n  }\n}"): typeof import('./graphql').AddProjectMemberDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CancelInvitation($id: ID!) {\n  cancelInvitation(id: $id) {\n    __typename\n    ...InviteFields\n    ...OperationMessages\n  }\n}"): typeof import('./graphql').CancelInvitationDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateExample($data: ExampleInput!) {\n  createExample(data: $data) {\n    __typename\n    ...ExampleFields\n    ...OperationMessages\n  }\n}"): typeof import('./graphql').CreateExampleDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateProject($data: ProjectInput!) {\n  createProject(data: $data) {\n    __typename\n    ...ProjectFields\n    ...OperationMessages\n  }\n}"): typeof import('./graphql').CreateProjectDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeclineInvitation($id: ID!) {\n  declineInvitation(id: $id) {\n    __typename\n    ...InvitationFields\n    ...OperationMessages\n  }\n}"): typeof import('./graphql').DeclineInvitationDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeleteExample($id: ID!, $ifUpdatedAt: DateTime) {\n  deleteExample(id: $id, ifUpdatedAt: $ifUpdatedAt) {\n    __typename\n    ...ExampleFields\n    ...OperationMessages\n  }\n}"): typeof import('./graphql').DeleteExampleDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeleteProject($id: ID!, $ifUpdatedAt: DateTime) {\n  deleteProject(id: $id, ifUpdatedAt: $ifUpdatedAt) {\n    __typename\n    ...ProjectFields\n    ...OperationMessages\n  }\n}"): typeof import('./graphql').DeleteProjectDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DuplicateExample($id: ID!) {\n  duplicateExample(id: $id) {\n    __typename\n    ...ExampleFields\n    ...OperationMessages\n  }\n}"): typeof import('./graphql').DuplicateExampleDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Example($id: ID!) {\n  example(id: $id) {\n    ...ExampleFields\n  }\n}"): typeof import('./graphql').ExampleDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription ExampleEvents($after: ID, $projectId: ID) {\n  exampleEvents(projectId: $projectId, after: $after) {\n    kind\n    id\n    eventId\n    example {\n      ...ExampleFields\n    }\n  }\n}"): typeof import('./graphql').ExampleEventsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Examples($filters: ExampleFilter, $ordering: [ExampleOrder!], $pagination: OffsetPaginationInput) {\n  examples(filters: $filters, ordering: $ordering, pagination: $pagination) {\n    totalCount\n    pageInfo {\n      limit\n      offset\n    }\n    results {\n      ...ExampleFields\n    }\n  }\n}"): typeof import('./graphql').ExamplesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ExamplesPage($after: String, $before: String, $filters: ExampleFilter, $first: Int, $last: Int, $ordering: [ExampleOrder!]) {\n  examplesConnection(\n    first: $first\n    after: $after\n    last: $last\n    before: $before\n    filters: $filters\n    ordering: $ordering\n  ) {\n    edges {\n      cursor\n      node {\n        ...ExampleFields\n      }\n    }\n    pageInfo {\n      hasNextPage\n      hasPreviousPage\n      startCursor\n      endCursor\n    }\n  }\n}"): typeof import('./graphql').ExamplesPageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Invitations($pagination: OffsetPaginationInput) {\n  invitations(pagination: $pagination) {\n    totalCount\n    results {\n      ...InvitationFields\n    }\n  }\n}"): typeof import('./graphql').InvitationsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Me {\n  me {\n    id\n    username\n    email\n    name\n    dateJoined\n    profile {\n      displayName\n      bio\n      timezone\n      updatedAt\n    }\n  }\n}"): typeof import('./graphql').MeDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Project($examples: OffsetPaginationInput, $id: ID!, $members: OffsetPaginationInput) {\n  project(id: $id) {\n    ...ProjectFields\n    members(pagination: $members) {\n      totalCount\n      results {\n        ...ProjectMemberFields\n      }\n    }\n    invitations {\n      totalCount\n      results {\n        ...InviteFields\n      }\n    }\n    examples(pagination: $examples) {\n      totalCount\n      pageInfo {\n        limit\n        offset\n      }\n      results {\n        id\n        title\n        createdAt\n        updatedAt\n        owner {\n          ...PublicUserFields\n        }\n      }\n    }\n  }\n}"): typeof import('./graphql').ProjectDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Projects($pagination: OffsetPaginationInput) {\n  projects(pagination: $pagination) {\n    totalCount\n    pageInfo {\n      limit\n      offset\n    }\n    results {\n      ...ProjectFields\n    }\n  }\n}"): typeof import('./graphql').ProjectsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RemoveProjectMember($projectId: ID!, $username: String!) {\n  removeProjectMember(projectId: $projectId, username: $username) {\n    __typename\n    ...ProjectMemberFields\n    ...OperationMessages\n  }\n}"): typeof import('./graphql').RemoveProjectMemberDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdateExample($data: ExamplePartialInput!, $ifUpdatedAt: DateTime) {\n  updateExample(data: $data, ifUpdatedAt: $ifUpdatedAt) {\n    __typename\n    ...ExampleFields\n    ...OperationMessages\n  }\n}"): typeof import('./graphql').UpdateExampleDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdateProfile($data: ProfileInput!) {\n  updateProfile(data: $data) {\n    __typename\n    ... on Profile {\n      displayName\n      bio\n      timezone\n      updatedAt\n    }\n    ...OperationMessages\n  }\n}"): typeof import('./graphql').UpdateProfileDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdateProject($data: ProjectPartialInput!, $ifUpdatedAt: DateTime) {\n  updateProject(data: $data, ifUpdatedAt: $ifUpdatedAt) {\n    __typename\n    ...ProjectFields\n    ...OperationMessages\n  }\n}"): typeof import('./graphql').UpdateProjectDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdateProjectMember($data: ProjectMemberInput!) {\n  updateProjectMember(data: $data) {\n    __typename\n    ...ProjectMemberFields\n    ...OperationMessages\n  }\n}"): typeof import('./graphql').UpdateProjectMemberDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment ExampleFields on Example {\n  id\n  title\n  content\n  createdAt\n  updatedAt\n  owner {\n    ...PublicUserFields\n  }\n  project {\n    id\n    name\n    role\n  }\n}\n\nfragment PublicUserFields on PublicUser {\n  id\n  username\n  name\n}\n\nfragment ProjectFields on Project {\n  id\n  name\n  description\n  role\n  createdAt\n  updatedAt\n  owner {\n    ...PublicUserFields\n  }\n}\n\nfragment ProjectMemberFields on ProjectMember {\n  user {\n    ...PublicUserFields\n  }\n  role\n  addedAt\n}\n\nfragment InviteFields on Invitation {\n  id\n  username\n  role\n  status\n  createdAt\n  expiresAt\n}\n\nfragment InvitationFields on Invitation {\n  id\n  project {\n    id\n    name\n  }\n  role\n  invitedBy {\n    ...PublicUserFields\n  }\n  createdAt\n  expiresAt\n}\n\nfragment OperationMessages on OperationInfo {\n  messages {\n    kind\n    field\n    message\n    code\n  }\n}"): typeof import('./graphql').ExampleFieldsFragmentDoc;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

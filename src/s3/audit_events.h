// S3's audit events, as CloudTrail records them: bucket-level operations (and
// ListBuckets) are management events; object-level operations (and object listings)
// are data events, recorded only for the buckets and prefixes the bucket owner's event
// selectors name. Called once the operation has answered.
#pragma once

#include "s3/request.h"

namespace coffer::s3 {

void RecordAuditEvent(S3Context& ctx, const OpResult& error);

}  // namespace coffer::s3

"""Request and response schemas (marshmallow); they are also the OpenAPI document's schemas."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

# OFFSET takes a signed 64-bit integer: a larger offset is refused (422) instead of overflowing
# in the database driver (500).
OFFSET_MAX = 9_223_372_036_854_775_807


class ErrorBody(Schema):
    status = fields.Integer(required=True)
    message = fields.String(required=True, metadata={"description": "what went wrong, for "
                                                                     "a person to read"})
    fields_ = fields.Dict(data_key="fields", metadata={"description": "per-field problems"})
    known_rubrics = fields.List(fields.String())


class ErrorOut(Schema):
    """Every error response: JSON, never an HTML page or a traceback."""

    error = fields.Nested(ErrorBody, required=True)


_QUESTION = ("the question the essay answers: its topic is judged against it, and comments "
             "that name a topic take it from it (none: the rubric's own question if it has "
             "one, else the topic is not judged)")
_KEY_TERMS = ("key terms the essay is expected to use; other forms of a term after a slash "
              "('USSR / Soviet Union'); default: read off the question")
_PERIOD = ("the question's period, e.g. 1933-1939 or 133 BC-27 BC (default: the years the "
           "question names); dates far outside it are flagged")


class DraftIn(Schema):
    text = fields.String(required=True, metadata={"description": "the essay's text"})
    label = fields.String(load_default="", validate=validate.Length(max=300),
                          metadata={"description": "a title or student name"})
    rubric = fields.String(load_default=None, allow_none=True,
                           metadata={"description": "rubric id (default: the default rubric)"})
    question = fields.String(load_default=None, allow_none=True,
                             metadata={"description": _QUESTION})
    key_terms = fields.List(fields.String(), load_default=None, allow_none=True,
                            metadata={"description": _KEY_TERMS})
    period = fields.String(load_default=None, allow_none=True, metadata={"description": _PERIOD})


class FormIn(Schema):
    """A multipart form: the views read the fields they know and ignore any other (as a browser
    form may send), so the document does not claim that other fields are refused."""

    class Meta:
        unknown = EXCLUDE


class DraftFileIn(FormIn):
    file = fields.Raw(metadata={"type": "string", "format": "binary",
                                "description": ".txt, .docx or .pdf (this, or 'text')"})
    text = fields.String(metadata={"description": "the essay's text, when no file is sent"})
    label = fields.String()
    rubric = fields.String()
    question = fields.String(metadata={"description": _QUESTION})
    key_terms = fields.List(fields.String(), metadata={
        "description": _KEY_TERMS + "; repeat the field, or separate terms with commas"})
    period = fields.String(metadata={"description": _PERIOD})


class BatchIn(FormIn):
    files = fields.List(fields.Raw(metadata={"type": "string", "format": "binary"}),
                        required=True,
                        metadata={"description": ".txt, .docx, .pdf, .csv or .zip files"})
    title = fields.String(metadata={"description": "e.g. the class and assignment"})
    rubric = fields.String()
    text_column = fields.String(metadata={"description": "CSV column with the essays "
                                                         "(default: guessed from the header)"})
    label_column = fields.String(metadata={"description": "CSV column with student names"})
    assignment = fields.Integer(metadata={"description": "an assignment of yours: its question "
                                                         "and rubric grade the upload (send no "
                                                         "question or rubric), and each essay "
                                                         "is linked to the enrolled student its "
                                                         "CSV student column or file name names "
                                                         "(email or name; see the essays' "
                                                         "'student')"})
    student_column = fields.String(metadata={"description": "CSV column with each essay's "
                                                            "student (email or name); "
                                                            "label_column's alias"})
    question = fields.String(metadata={"description": "the question every essay of the upload "
                                                      "answers (see the essays' 'question')"})
    key_terms = fields.List(fields.String(), metadata={
        "description": _KEY_TERMS + "; repeat the field, or separate terms with commas"})
    period = fields.String(metadata={"description": _PERIOD})


class OverrideIn(Schema):
    criterion = fields.String(required=True, metadata={"description": "a criterion id or "
                                                                      "'overall'"})
    level = fields.Integer(required=True)
    comment = fields.String(load_default="", validate=validate.Length(max=5000))


class ListArgs(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=OFFSET_MAX))


class BatchArgs(Schema):
    essays = fields.Boolean(load_default=True, metadata={
        "description": "list the batch's essays (false: progress only, for polling)"})


class RubricRef(Schema):
    id = fields.String()
    version = fields.Integer()


class OverrideOut(Schema):
    criterion = fields.String()
    level = fields.Integer()
    comment = fields.String()
    teacher = fields.String()
    created_at = fields.String()


class QuestionOut(Schema):
    text = fields.String()
    key_terms = fields.List(fields.String(), metadata={
        "description": "the key terms given with it ('term / other form'); none: the grader "
                       "reads them off the question (the result's question says which)"})
    period = fields.String(allow_none=True)


class StudentRef(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()


class EssaySummary(Schema):
    id = fields.Integer()
    url = fields.String()
    label = fields.String()
    source_name = fields.String()
    status = fields.String(metadata={"enum": ["queued", "running", "done", "failed"]})
    error = fields.String(allow_none=True)
    duplicate_of = fields.Integer(allow_none=True)
    overall_level = fields.Integer(allow_none=True)
    levels = fields.Dict(keys=fields.String(), values=fields.Integer(), allow_none=True,
                         metadata={"description": "final level per criterion (overrides "
                                                  "applied)"})
    flags = fields.List(fields.String())
    student = fields.Nested(StudentRef, allow_none=True, metadata={
        "description": "the student it belongs to: a draft's author, or the enrolled student "
                       "an upload for an assignment was matched to (null: none)"})
    question = fields.Nested(QuestionOut, allow_none=True, metadata={
        "description": "the question it is graded against, as given (null: none was)"})
    calibration = fields.Dict(allow_none=True, metadata={
        "description": "the calibration that scored the essay: {id, scores} with scores on "
                       "the teacher's scale by criterion; null: the default model"})


class EssayOut(EssaySummary):
    batch_id = fields.Integer(allow_none=True)
    rubric = fields.Nested(RubricRef)
    attempts = fields.Integer()
    created_at = fields.String()
    started_at = fields.String(allow_none=True)
    finished_at = fields.String(allow_none=True)
    text = fields.String()
    result = fields.Dict(allow_none=True, metadata={
        "description": "the engine's result document (schema_version 2; 1 for essays graded "
                       "before questions were separate): overall, criteria with feedback items "
                       "whose sentences carry offsets into text, flags, and the question it "
                       "was graded against as the grader read it (key terms with their "
                       "source: teacher, question or class); a capped level carries capped_by, "
                       "cap_reason and uncapped_score; each criterion's prior is the quality "
                       "prior's share of its scale that placed the level (null: its raw score "
                       "alone), and engine.prior names the prior; calibration (when one "
                       "scored it) holds {id, scores, error, default_levels}"})
    overrides = fields.List(fields.Nested(OverrideOut))


class Problem(Schema):
    name = fields.String()
    message = fields.String()


class UploadReport(Schema):
    essays = fields.Integer()
    problems = fields.List(fields.Nested(Problem))
    duplicates = fields.List(fields.Dict())


class BatchOut(Schema):
    id = fields.Integer()
    url = fields.String()
    title = fields.String()
    rubric = fields.Nested(RubricRef)
    question = fields.Nested(QuestionOut, allow_none=True)
    created_at = fields.String()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    total = fields.Integer()
    progress = fields.Float(metadata={"description": "share of essays done or failed"})
    complete = fields.Boolean()
    completed_at = fields.String(allow_none=True, metadata={
        "description": "when its last essay was graded or failed (null until complete)"})
    report = fields.Nested(UploadReport)
    results_csv = fields.String()
    essays = fields.List(fields.Nested(EssaySummary), metadata={
        "description": "left out with ?essays=false"})


class Accepted(Schema):
    url = fields.String()
    status = fields.String()


class EssayAccepted(Accepted):
    essay = fields.Nested(EssayOut)


class BatchAccepted(Accepted):
    batch = fields.Nested(BatchOut)


class BatchRequeued(BatchAccepted):
    requeued = fields.List(fields.Integer(), metadata={
        "description": "ids of the failed essays queued to be graded again"})


class RubricOut(Schema):
    id = fields.String()
    title = fields.String()
    active_version = fields.Integer(allow_none=True)
    versions = fields.Integer()
    criteria = fields.List(fields.Dict())
    levels = fields.Dict(keys=fields.String(), values=fields.String())
    calibration = fields.Integer(allow_none=True, metadata={
        "description": "the calibration scoring the active version's essays (null: default)"})


class CalibrationIn(FormIn):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary",
                                               "description": "a CSV of scored essays, one per "
                                                              "row, with a header row"})
    text_column = fields.String(required=True, metadata={"description": "the essays' column"})
    score = fields.List(fields.String(), required=True, metadata={
        "description": "COLUMN=CRITERION, once per scored column; CRITERION is a criterion id "
                       "of the rubric or 'overall'"})
    question = fields.String(metadata={"description": "the question the essays answered "
                                                      "(recorded with the model)"})
    key_terms = fields.List(fields.String(), metadata={"description": _KEY_TERMS})
    period = fields.String(metadata={"description": _PERIOD})


class CalibrationFromOverridesIn(Schema):
    source = fields.String(required=True, validate=validate.OneOf(["overrides"]), metadata={
        "description": "'overrides': calibrate on the levels teachers set when reviewing "
                       "essays graded against this rubric (a teacher's own, or every teacher's "
                       "for an admin)"})


class TargetAgreement(Schema):
    criterion = fields.String()
    column = fields.String()
    n = fields.Integer()
    qwk = fields.Float(metadata={"description": "quadratic weighted kappa, cross-validated"})
    exact = fields.Float()
    adjacent = fields.Float()
    labels = fields.List(fields.Float())
    confusion = fields.List(fields.List(fields.Integer()), metadata={
        "description": "rows: the teachers' scores, columns: the model's (labels order)"})


class CalibrationReport(Schema):
    folds = fields.Integer()
    trained_on = fields.Integer()
    targets = fields.List(fields.Nested(TargetAgreement))
    left_out = fields.Integer(metadata={"description": "essays that could not be analysed"})
    left_out_essays = fields.List(fields.Dict())
    question = fields.String(allow_none=True, metadata={
        "description": "the question the CSV's essays answered (null: none was sent; essays "
                       "from overrides are each read against their own)"})


class CalibrationOut(Schema):
    id = fields.Integer()
    url = fields.String()
    rubric = fields.Nested(RubricRef)
    status = fields.String(metadata={"enum": ["queued", "running", "ready", "failed"]})
    error = fields.String(allow_none=True)
    source = fields.String(metadata={"enum": ["csv", "overrides"]})
    source_name = fields.String()
    essays = fields.Integer()
    attempts = fields.Integer()
    created_by = fields.String(allow_none=True)
    created_at = fields.String()
    started_at = fields.String(allow_none=True)
    finished_at = fields.String(allow_none=True)
    report = fields.Nested(CalibrationReport, allow_none=True)
    active = fields.Boolean(metadata={"description": "whether it scores its rubric version's "
                                                     "essays now"})
    usable = fields.Boolean(metadata={"description": "ready and made by this grader's engine "
                                                     "and library versions (else it cannot be "
                                                     "activated)"})
    activate_url = fields.String()


class CalibrationAccepted(Accepted):
    calibration = fields.Nested(CalibrationOut)


class RollbackOut(Schema):
    active = fields.Nested(CalibrationOut, allow_none=True, metadata={
        "description": "the calibration active now; null: the rubric's default model"})


class Health(Schema):
    status = fields.String(metadata={"enum": ["ok", "degraded", "down"]})
    database = fields.Dict(metadata={"description": "administrators only"})
    broker = fields.Dict(metadata={"description": "administrators only"})
    workers = fields.Dict(metadata={"description": "administrators only"})
    queue = fields.Dict(metadata={"description": "administrators only"})


class EssayRef(Schema):
    id = fields.Integer()
    url = fields.String()
    status = fields.String(metadata={"enum": ["queued", "running", "done", "failed"]})
    created_at = fields.String()


class GradebookRowOut(Schema):
    student = fields.Nested(StudentRef)
    essay = fields.Nested(EssayRef, allow_none=True, metadata={
        "description": "the student's newest draft (their own, or an upload matched to them); "
                       "null: none yet"})
    levels = fields.Dict(keys=fields.String(), values=fields.Integer(), allow_none=True,
                         metadata={"description": "final level per criterion and overall (the "
                                                  "teacher's where overridden); null until "
                                                  "graded"})
    overridden = fields.List(fields.String(), metadata={
        "description": "the criteria (and 'overall') whose level a teacher set"})


class ClassRef(Schema):
    id = fields.Integer()
    name = fields.String()


class AssignmentOut(Schema):
    id = fields.Integer()
    url = fields.String()
    title = fields.String()
    class_ = fields.Nested(ClassRef, data_key="class")
    instructions = fields.String()
    question = fields.Nested(QuestionOut, allow_none=True)
    rubric = fields.Nested(RubricRef, allow_none=True)
    show_levels = fields.Boolean(metadata={"description": "students see levels while drafting"})
    released_at = fields.String(allow_none=True, metadata={
        "description": "when the teacher released the levels (null: not yet)"})
    created_at = fields.String()
    gradebook_csv = fields.String(metadata={"description": "teachers and admins: the "
                                                           "gradebook's URL"})
    students = fields.List(fields.Nested(GradebookRowOut), metadata={
        "description": "teachers and admins: each enrolled student's newest draft"})
    drafts = fields.List(fields.Nested(EssayRef), metadata={
        "description": "students: their own drafts, oldest first"})

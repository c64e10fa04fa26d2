/// The state machine's rules: checks one signature-verified transaction against the state
/// and, if it passes, writes its effects into the block's `StateDelta`.
///
/// Every handler checks everything before writing anything, so a rejected transaction leaves
/// the delta exactly as it was (a proposer can drop it and go on). No clock, randomness or
/// I/O: the same transactions on the same state give the same writes on every node.
struct TransactionExecutor {
    let genesis: Genesis
    let domainValidators: [any DomainValidator]

    struct Context {
        var height: UInt64
        var timestamp: UInt64
        var proposer: PublicKey
    }

    func execute(_ tx: SignedTransaction, base: WorldState, delta: StateDelta, context: Context) throws(TransactionRejection) {
        let view = StateView(base: base, delta: delta)
        let body = tx.transaction
        guard body.chainID == genesis.chainID else { throw .wrongChain(expected: genesis.chainID, found: body.chainID) }
        try body.payload.validateFields()
        guard var sender = view.member(body.sender) else { throw .unknownSender(body.sender) }
        if body.nonce < sender.nonce { throw .replayedNonce(sender: body.sender, expected: sender.nonce, found: body.nonce) }
        if body.nonce > sender.nonce { throw .nonceGap(sender: body.sender, expected: sender.nonce, found: body.nonce) }
        guard !sender.roles.isDisjoint(with: body.kind.allowedRoles) else {
            throw .missingRole(sender: body.sender, kind: body.kind, required: body.kind.allowedRoles, has: sender.roles)
        }

        // Each rule returns the writes to perform; nothing is written until all checks pass.
        let write: (StateDelta) -> Void
        switch body.payload {
        case .registerMember(let p): write = try registerMember(p, view, context)
        case .registerDataset(let p): write = try registerDataset(p, tx, view, context)
        case .publishTask(let p): write = try publishTask(p, tx, view, context)
        case .submitUpdate(let p): write = try submitUpdate(p, tx, view, context)
        case .commitAggregate(let p): write = try commitAggregate(p, tx, view, context)
        case .reputationChange(let p): write = try reputationChange(p, view, context)
        case .evidence(let p): write = try evidence(p, tx, view, context)
        case .closeTask(let p): write = try closeTask(p, tx, view, context)
        }

        if !domainValidators.isEmpty {
            let domainContext = DomainValidationContext(chainID: genesis.chainID, height: context.height,
                                                        timestamp: context.timestamp, proposer: context.proposer, state: view)
            for validator in domainValidators {
                do { try validator.validate(tx, context: domainContext) } catch {
                    throw .rejectedByValidator(validator: validator.name, reason: "\(error)")
                }
            }
        }

        sender.nonce += 1
        sender.updatedAt = context.height
        delta.members[body.sender] = sender
        write(delta)
        // The sender's own row may also be written by the rule (e.g. reputation of itself):
        // rules read `delta.members[...]` after the nonce bump, see `adjustReputation`.
    }

    // MARK: Rules

    private func registerMember(_ p: RegisterMember, _ view: StateView, _ c: Context) throws(TransactionRejection) -> (StateDelta) -> Void {
        guard view.member(p.member) == nil else { throw .duplicate(kind: "member", id: p.member.hex) }
        let record = MemberRecord(key: p.member, name: p.name, roles: p.roles, reputation: genesis.consensus.initialReputation,
                                  nonce: 0, joinedAt: c.height, updatedAt: c.height)
        return { $0.members[p.member] = record }
    }

    private func registerDataset(_ p: RegisterDataset, _ tx: SignedTransaction, _ view: StateView, _ c: Context) throws(TransactionRejection) -> (StateDelta) -> Void {
        guard view.dataset(p.manifestCID) == nil else { throw .duplicate(kind: "dataset", id: p.manifestCID) }
        let record = DatasetRecord(cid: p.manifestCID, owner: tx.sender, schema: p.schema, recordCount: p.recordCount,
                                   labelCounts: p.labelCounts, epsilonBudget: p.epsilonBudget, epsilonSpent: .zero,
                                   registeredAt: c.height, updatedAt: c.height)
        return { delta in
            delta.datasets[p.manifestCID] = record
            delta.newDatasetsByOwner[tx.sender, default: []].append(p.manifestCID)
        }
    }

    private func publishTask(_ p: PublishTask, _ tx: SignedTransaction, _ view: StateView, _ c: Context) throws(TransactionRejection) -> (StateDelta) -> Void {
        for cid in p.datasets {
            guard let dataset = view.dataset(cid) else { throw .missingReference(kind: "dataset", id: cid) }
            guard dataset.schema == p.datasetSchema else {
                throw .invalidField(field: "datasets", reason: "dataset \(cid) has schema \(dataset.schema), the task needs \(p.datasetSchema)")
            }
        }
        let task = TaskRecord(id: tx.hash, publisher: tx.sender, spec: p, openRound: 0, publishedAt: c.height, updatedAt: c.height)
        let round = RoundRecord(key: RoundKey(task: tx.hash, round: 0), updateCount: 0, aggregated: false,
                                openedAt: c.height, updatedAt: c.height)
        return {
            $0.tasks[tx.hash] = task
            $0.rounds[round.key] = round
        }
    }

    /// The task and its open round, or the precise reason the round cannot take part.
    private func openRound(task id: Hash256, round: UInt32, _ view: StateView) throws(TransactionRejection) -> (TaskRecord, RoundRecord) {
        guard let task = view.task(id) else { throw .missingReference(kind: "task", id: id.hex) }
        guard round < task.spec.rounds else {
            throw .missingReference(kind: "round", id: "\(round) of task \(id.hex) (it has \(task.spec.rounds) rounds)")
        }
        guard !task.isFinished else { throw .taskFinished(task: id) }
        if let closure = task.closure { throw .taskClosed(task: id, round: task.openRound, reason: closure.reason) }
        if round > task.openRound {
            throw .missingReference(kind: "round", id: "\(round) of task \(id.hex) (not opened yet; the open round is \(task.openRound))")
        }
        guard round == task.openRound, let record = view.round(RoundKey(task: id, round: round)) else {
            throw .wrongRound(task: id, open: task.openRound, found: round)
        }
        return (task, record)
    }

    private func submitUpdate(_ p: SubmitUpdate, _ tx: SignedTransaction, _ view: StateView, _ c: Context) throws(TransactionRejection) -> (StateDelta) -> Void {
        let (task, open) = try openRound(task: p.task, round: p.round, view)
        var round = open
        guard view.datasets(ownedBy: tx.sender).contains(where: task.datasetSet.contains) else {
            throw .notPermitted("\(tx.sender.shortHex)… owns none of the datasets of task \(p.task.hex.prefix(12))…, so it cannot submit updates to it")
        }
        let key = UpdateKey(task: p.task, round: p.round, member: tx.sender)
        guard view.update(key) == nil else {
            throw .duplicate(kind: "update", id: "of \(tx.sender.shortHex)… for round \(p.round) of task \(p.task.hex.prefix(12))…")
        }
        let record = UpdateRecord(key: key, txHash: tx.hash, updateCID: p.updateCID, sampleCount: p.sampleCount,
                                  norm: p.norm, metrics: p.metrics, updatedAt: c.height)
        round.updateCount += 1
        round.updatedAt = c.height
        return { [round] delta in
            delta.updates[key] = record
            delta.updatesByTx[tx.hash] = key
            delta.rounds[round.key] = round
        }
    }

    private func commitAggregate(_ p: CommitAggregate, _ tx: SignedTransaction, _ view: StateView, _ c: Context) throws(TransactionRejection) -> (StateDelta) -> Void {
        var (task, round) = try openRound(task: p.task, round: p.round, view)
        for hash in p.updates {
            guard let update = view.update(transaction: hash) else { throw .missingReference(kind: "update", id: hash.hex) }
            guard update.key.task == p.task, update.key.round == p.round else {
                throw .invalidField(field: "updates", reason: "update \(hash.hex.prefix(12))… belongs to round \(update.key.round) of task \(update.key.task.hex.prefix(12))…")
            }
        }
        var datasets: [DatasetRecord] = []
        var spends: [PrivacySpendRecord] = []
        for spend in p.privacySpent {
            guard task.datasetSet.contains(spend.dataset) else {
                throw .invalidField(field: "privacySpent", reason: "dataset \(spend.dataset) is not one of the task's datasets")
            }
            guard var dataset = view.dataset(spend.dataset) else { throw .missingReference(kind: "dataset", id: spend.dataset) }
            dataset.epsilonSpent = try dataset.spending(spend.epsilon)
            dataset.updatedAt = c.height
            datasets.append(dataset)
            spends.append(PrivacySpendRecord(key: SpendKey(dataset: spend.dataset, task: p.task, round: p.round),
                                             epsilon: spend.epsilon, updatedAt: c.height))
        }
        let aggregate = AggregateRecord(key: round.key, aggregator: tx.sender, txHash: tx.hash, updates: p.updates,
                                        modelCID: p.modelCID, metrics: p.metrics, updatedAt: c.height)
        round.aggregated = true
        round.updatedAt = c.height
        task.openRound += 1
        task.updatedAt = c.height
        let next: RoundRecord? = task.isFinished ? nil
            : RoundRecord(key: RoundKey(task: p.task, round: task.openRound), updateCount: 0, aggregated: false,
                          openedAt: c.height, updatedAt: c.height)
        return { [round, task] delta in
            delta.aggregates[aggregate.key] = aggregate
            delta.rounds[round.key] = round
            delta.tasks[task.id] = task
            if let next { delta.rounds[next.key] = next }
            for dataset in datasets { delta.datasets[dataset.cid] = dataset }
            for spend in spends { delta.privacySpending[spend.key] = spend }
        }
    }

    private func reputationChange(_ p: ReputationChange, _ view: StateView, _ c: Context) throws(TransactionRejection) -> (StateDelta) -> Void {
        guard view.member(p.member) != nil else { throw .missingReference(kind: "member", id: p.member.hex) }
        return { delta in Self.adjustReputation(of: p.member, by: p.delta, in: delta, view: view, height: c.height) }
    }

    private func evidence(_ p: Evidence, _ tx: SignedTransaction, _ view: StateView, _ c: Context) throws(TransactionRejection) -> (StateDelta) -> Void {
        guard view.member(p.offender) != nil else { throw .missingReference(kind: "member", id: p.offender.hex) }
        guard p.height <= c.height else {
            throw .invalidField(field: "height", reason: "evidence about height \(p.height) cannot be committed at height \(c.height)")
        }
        let id = p.id
        guard view.evidence(id) == nil else { throw .duplicate(kind: "evidence", id: id.hex) }
        let record = EvidenceRecord(id: id, reporter: tx.sender, evidence: p, txHash: tx.hash, updatedAt: c.height)
        let penalty = genesis.consensus.evidencePenalty
        return { delta in
            delta.evidence[id] = record
            if penalty > 0 { Self.adjustReputation(of: p.offender, by: -penalty, in: delta, view: view, height: c.height) }
        }
    }

    /// Only the task's publisher may close it, and only at its open round: a closure meant for
    /// an earlier round (delayed, or replayed from another run) fails instead of ending a later
    /// one. The open round's updates stay on record; no aggregate will follow them.
    private func closeTask(_ p: CloseTask, _ tx: SignedTransaction, _ view: StateView, _ c: Context) throws(TransactionRejection) -> (StateDelta) -> Void {
        let (task, _) = try openRound(task: p.task, round: p.round, view)
        guard task.publisher == tx.sender else {
            throw .notPermitted("only the publisher \(task.publisher.shortHex)… of task \(p.task.hex.prefix(12))… may close it, not \(tx.sender.shortHex)…")
        }
        var closed = task
        closed.closure = TaskClosure(reason: p.reason, detail: p.detail, txHash: tx.hash, height: c.height)
        closed.updatedAt = c.height
        return { [closed] delta in delta.tasks[closed.id] = closed }
    }

    /// Saturating: reputation stays within 0...Int64.max. Reads the row after the sender's
    /// nonce bump, so a member adjusting itself keeps both changes.
    static func adjustReputation(of key: PublicKey, by change: Int64, in delta: StateDelta, view: StateView, height: UInt64) {
        guard var member = delta.members[key] ?? view.base.members[key] else { return }
        let (sum, overflow) = member.reputation.addingReportingOverflow(change)
        member.reputation = overflow ? (change > 0 ? .max : 0) : max(0, sum)
        member.updatedAt = height
        delta.members[key] = member
    }
}

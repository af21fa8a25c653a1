"""ScratchMLPClassifier: the scikit-learn classifier around the hand-written network.

The public API of the classifier: its parameters, the validation of its
labels (``_targets.py``) and its predictions. Training, committing and the
logits are shared with the regressor in ``_estimator.py``; the mathematics
lives in ``_network.py`` (the reference) and ``_kernels.py`` (the fast
version training runs).
"""

from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import available_if

from sknnscratch import _inspect
from sknnscratch._activations import OUTPUT_LOG_PROBA, OUTPUT_PROBA
from sknnscratch._activations import sigmoid_log_proba as log_expit
from sknnscratch._activations import sigmoid_proba as expit
from sknnscratch._array_api import (
    DeviceClassifierMixin,
    columns,
    labels,
    training_inputs,
)
from sknnscratch._callbacks import with_callbacks
from sknnscratch._estimator import CALLER, BaseScratchMLP
from sknnscratch._namespace import placement_of_model
from sknnscratch._targets import validate_training_data, validate_validation_data


class ScratchMLPClassifier(DeviceClassifierMixin, BaseScratchMLP):
    r"""Multi-layer perceptron classifier with a hand-written numpy network.

    A drop-in replacement for :class:`sklearn.neural_network.MLPClassifier`:
    the same parameters, with the same names, meanings and validation, and
    the same fitted attributes. The forward pass, the cross-entropy loss, the
    backward pass and the SGD and Adam optimisers are written out in numpy
    (see ``sknnscratch/_network.py`` for the derivation, line by line);
    L-BFGS is scipy's, fed by the same loss and gradient.

    With the default ``hidden_layer_sizes=(8,)`` the network on 13 features is
    the classic 13-8-1 one: 8 ReLU hidden units and one sigmoid output trained
    on the binary cross-entropy. Multiclass targets get a softmax output with
    one unit per class, multilabel targets one sigmoid unit per label.

    A target with a single class is accepted, as MLPClassifier accepts it (in
    a cross-validation fold of a rare event, say): the model predicts that
    class for every row, with probability 1. The network still trains as
    usual, its one sigmoid unit towards 0 (the encoding of the only class,
    as for ``classes_[0]`` of a binary problem), so every fitted attribute
    exists as after any fit. That objective has no minimum (the output bias
    heads for minus infinity), and the predictions do not depend on the
    weights, so such a fit never warns that it has not converged.

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(8,)
        The ith element is the number of units in the ith hidden layer. An
        empty tuple gives a network without hidden layer (logistic
        regression). MLPClassifier's default is ``(100,)``.

    activation : {'identity', 'logistic', 'tanh', 'relu'}, default='relu'
        Activation function of the hidden layers.

    solver : {'auto', 'lbfgs', 'sgd', 'adam'}, default='auto'
        The optimiser. 'lbfgs' (scipy's L-BFGS-B) works on the full training
        set and converges fast and reliably on small and medium data; 'sgd'
        and 'adam' take minibatch steps, scale to large data, and are the
        ones ``partial_fit`` and ``early_stopping`` need. 'auto' chooses per
        call: 'lbfgs' for ``fit`` while rows times parameters stay within 10
        million (82 000 rows for the 13-8-1 network), 'adam' for
        ``partial_fit``, with ``early_stopping=True`` or on larger problems;
        the choice is recorded in ``solver_``. A parameter set away from its
        default that the call's solver does not use (``learning_rate_init``
        with 'lbfgs', ``momentum`` with 'adam'...) is named in a warning.
        MLPClassifier's default is 'adam', which on a few hundred rows stops
        at ``max_iter`` before it has converged.

    alpha : float, default=2.5
        Strength of the L2 penalty. The training objective is
        ``J = sum(s_i * loss_i) / S + alpha / (2 S) * sum ||W||^2``, with
        ``s_i`` the sample weights (times the class weights) and ``S`` their
        sum (the number of samples without weights), so the penalty's effect
        fades as the data grows. A minibatch averages the loss over its own
        rows but keeps the whole training set's ``S`` in the penalty, an
        unbiased estimate of ``J`` for random batches (MLPClassifier divides
        the penalty by the batch's size, so a small last batch is penalised
        far harder; the two agree for full batches). MLPClassifier's default
        is 0.0001, with which a network trained to convergence overfits small
        data. 2.5 was chosen on a panel of 12 data sets by
        ``benchmarks/defaults.py`` (its results are in
        ``benchmarks/results/``). No fixed value suits every data set:
        :class:`ScratchMLPClassifierCV` chooses it by cross-validation.
        Normalised sample weights (summing to 1) make the penalty ``n`` times
        stronger; a network the penalty flattens says so in a warning.

    batch_size : int or 'auto', default='auto'
        Minibatch size of the stochastic solvers; 'auto' means
        ``min(200, n_samples)``. Not used by 'lbfgs'.

    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Learning-rate schedule of ``solver='sgd'``:

        - 'constant': always ``learning_rate_init``;
        - 'invscaling': ``learning_rate_init / (t + 1) ** power_t`` after each
          epoch, ``t`` being the number of samples seen;
        - 'adaptive': divided by 5 each time ``n_iter_no_change`` epochs in a
          row fail to improve by ``tol``; training stops once it is below 1e-6.

    learning_rate_init : float, default=0.001
        The initial learning rate of 'sgd' and 'adam'.

    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.

    max_iter : int, default=3000
        Maximum number of iterations: epochs for 'sgd' and 'adam', L-BFGS
        iterations for 'lbfgs'. MLPClassifier's default is 200, often too few
        for L-BFGS to converge with the other defaults (the iterations it
        took on the data sets of ``benchmarks/defaults.py`` are in
        ``benchmarks/results/``); the stochastic solvers usually stop long
        before, when the loss stops improving (``n_iter_no_change``).

    shuffle : bool, default=True
        Whether to shuffle the samples every epoch ('sgd' and 'adam').

    random_state : int, RandomState instance or None, default=None
        Seeds the one random number generator behind the initial weights,
        the shuffling and the early-stopping split. Pass an int for
        reproducible results.

    tol : float, default=1e-4
        Tolerance. For 'lbfgs' the largest gradient entry at convergence; for
        'sgd' and 'adam', training stops (or the 'adaptive' rate drops) when
        the loss (or validation score) fails to improve by ``tol`` for
        ``n_iter_no_change`` consecutive epochs.

    verbose : bool, default=False
        Whether to print MLPClassifier's line ``Iteration N, loss = ...``
        after every iteration, and with early stopping the validation loss
        and score of every epoch.

    warm_start : bool, default=False
        When True and the model is fitted, ``fit`` resumes training instead
        of starting anew. Unlike MLPClassifier, it resumes everything:

        - the weights, ``coefs_`` and ``intercepts_`` (also if set by hand;
          after early stopping these are the restored best weights);
        - the optimiser's state: Adam's moment estimates and step count,
          SGD's velocities and current learning rate (schedules continue
          from ``t_``), as long as ``solver`` and its settings
          (``learning_rate_init``, ``momentum``, ``beta_1``...) are
          unchanged; changing one starts a fresh optimiser;
        - the shuffling random stream and order (on the same rows), the
          early-stopping split (the same rows are held out), the counter of
          epochs without improvement, and the recorded curves and history.

        So with 'sgd' or 'adam', ``fit`` with ``max_iter=10`` twice gives
        exactly the model of one ``fit`` with ``max_iter=20`` (without early
        stopping, whose restored best weights are where the second fit
        resumes). ``partial_fit`` resumes in the same way.

    momentum : float, default=0.9
        Momentum of 'sgd', in ``[0, 1]``.

    nesterovs_momentum : bool, default=True
        Whether 'sgd' uses Nesterov's momentum.

    early_stopping : bool, default=False
        Whether ``fit`` with 'sgd' or 'adam' sets aside ``validation_fraction``
        of the training data and stops when its score (see ``scoring``) fails
        to improve by ``tol`` for ``n_iter_no_change`` epochs; the weights of
        the best epoch are restored at the end. An epoch also counts as an
        improvement when it ties the best score and lowers the validation
        loss by ``tol`` (accuracy on a small validation set ties often), and
        among tied epochs the lower loss wins. With ``solver='auto'`` it makes
        ``fit`` use 'adam'; 'lbfgs' and ``partial_fit`` cannot use it and
        say so in a warning.

    validation_fraction : float, default=0.1
        Share of the training weight set aside for early stopping. The split
        is stratified by class and by sample weight, and identical rows fall
        on the same side, so integer weights still mean repeated rows. Each
        class keeps at least one distinct row for training.

    beta_1 : float, default=0.9
        Decay rate of Adam's first moment estimates, in ``[0, 1)``.

    beta_2 : float, default=0.999
        Decay rate of Adam's second moment estimates, in ``[0, 1)``.

    epsilon : float, default=1e-8
        Adam's numerical-stability constant.

    n_iter_no_change : int, default=10
        Number of epochs without improvement by ``tol`` before stopping
        ('sgd' and 'adam').

    max_fun : int, default=15000
        Maximum number of objective evaluations of 'lbfgs'.

    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, multiplied into ``sample_weight``. 'balanced'
        gives class ``c`` the weight ``S / (n_classes * S_c)``, where ``S_c``
        is the total sample weight of class ``c`` and ``S`` that of all rows
        (per label column for multilabel targets). Not in MLPClassifier.
        ``partial_fit`` accepts a dict only.

    scoring : str, callable or None, default=None
        What early stopping watches on the validation set (as in
        :class:`~sklearn.ensemble.HistGradientBoostingClassifier`):

        - None: accuracy, MLPClassifier's rule;
        - 'loss': minus the validation cross-entropy (weighted, without the
          L2 term);
        - any scikit-learn scorer name ('roc_auc', 'balanced_accuracy',
          'neg_log_loss'...) or a callable ``scorer(estimator, X, y)``.

        Higher is better. Used only with ``early_stopping=True``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels (a single one if the target of the first fit had
        only one).

    loss_ : float
        The training objective (cross-entropy plus L2 penalty) at the end of
        training; for 'sgd' and 'adam', the average over the last epoch.

    best_loss_ : float or None
        The lowest training objective reached; None with ``early_stopping``.

    loss_curve_ : list of float
        The training objective after each iteration (also for 'lbfgs', where
        MLPClassifier records none).

    validation_scores_ : list of float or None
        The validation score (see ``scoring``) after each epoch with
        ``early_stopping``, otherwise None.

    validation_loss_curve_ : list of float or None
        The validation cross-entropy (weighted, without the L2 term) after
        each epoch with ``early_stopping``, otherwise None.

    best_validation_score_ : float or None
        The best validation score with ``early_stopping``, otherwise None.

    history_ : list of dict
        One dict per epoch (or L-BFGS iteration) since the last cold fit:
        ``epoch``, ``train_loss``, ``validation_loss``, ``validation_score``
        (None without early stopping), ``learning_rate`` (SGD's scheduled
        rate or Adam's bias-corrected step size after the epoch; None for
        'lbfgs') and ``seconds``. ``pandas.DataFrame(history_)`` makes it a
        table.

    t_ : int
        The number of training samples the solver has processed.

    coefs_ : list of ndarray
        ``coefs_[i]`` is the weight matrix from layer i to layer i + 1, of
        shape ``(fan_in, fan_out)``.

    intercepts_ : list of ndarray
        ``intercepts_[i]`` is the bias vector of layer i + 1.

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``, when they are all strings.

    n_iter_ : int
        The number of iterations the solver ran in the last call.

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of output units.

    out_activation_ : str
        The output function: 'logistic' (binary, multilabel) or 'softmax'.

    solver_ : {'lbfgs', 'sgd', 'adam'}
        The solver the last call trained with (``solver='auto'`` chooses).

    See Also
    --------
    sklearn.neural_network.MLPClassifier : scikit-learn's MLP classifier.

    Notes
    -----
    Training minimises the objective :math:`J = L + R`: the weighted mean
    cross-entropy of the rows and the L2 penalty of the weight matrices (the
    biases are not penalised),

    .. math::

        J = \frac{1}{S} \sum_{i} s_i \ell_i
            + \frac{\alpha}{2 S} \sum_{l} \lVert W_l \rVert^2 ,

    where :math:`s_i` is the weight of row :math:`i` (1 without
    ``sample_weight``), :math:`S = \sum_i s_i` and, for a binary target,
    :math:`\ell_i = -y_i \log \hat y_i - (1 - y_i) \log (1 - \hat y_i)`. A
    minibatch step (``sgd``, ``adam``) takes the mean over its batch and
    the penalty of the whole training set. The documentation's derivation
    works out every gradient of :math:`J`.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sknnscratch import ScratchMLPClassifier
    >>> X, y = make_classification(n_samples=300, n_features=13, random_state=0)
    >>> model = make_pipeline(StandardScaler(), ScratchMLPClassifier(random_state=0))
    >>> model.fit(X, y).score(X, y) > 0.9
    True
    """

    _parameter_constraints: dict = {
        **BaseScratchMLP._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        hidden_layer_sizes=(8,),
        activation="relu",
        *,
        solver="auto",
        alpha=2.5,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=3000,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        class_weight=None,
        scoring=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.class_weight = class_weight
        self.scoring = scoring

    # ------------------------------------------------------------------ fit

    @with_callbacks
    def fit(
        self,
        X,
        y,
        sample_weight=None,
        *,
        X_val=None,
        y_val=None,
        sample_weight_val=None,
    ):
        """Fit the network to the training data.

        With ``warm_start=True`` and a fitted model, training continues from
        the current weights and optimiser state (see ``warm_start``); the
        kind of target (binary, multiclass or multilabel, and its classes)
        must then be the one of the first fit. If ``fit`` raises, the
        estimator is left exactly as it was before the call.

        A KeyboardInterrupt (Ctrl-C) ends training after the last completed
        epoch or L-BFGS iteration: the model keeps those weights, with
        ``n_iter_``, ``loss_``, ``loss_curve_``, ``history_`` and ``t_``
        describing them (with early stopping, the best epoch's weights are
        restored as usual), warns once and returns. Interrupted before any
        epoch or iteration completed, the model is left as it was and the
        KeyboardInterrupt propagates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The training input. float32 input trains a float32 network.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a 0/1 indicator matrix for multilabel targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; each sample's loss counts in proportion
            (see the objective in ``alpha``). Multiplied by ``class_weight``.
        X_val : {array-like, sparse matrix} of shape (n_val, n_features), \
default=None
            A validation set for early stopping, as in
            :class:`~sklearn.ensemble.HistGradientBoostingClassifier`: with
            ``early_stopping=True`` it replaces the ``validation_fraction``
            split, so every row of ``X`` is trained on, and the validation
            curves, ``scoring`` and the best epoch are measured on it. Needs
            ``y_val`` and ``early_stopping=True`` (a solver that early-stops:
            'sgd', 'adam', or 'auto', which then takes 'adam'). In a
            ``Pipeline``, ``X_val`` goes through the earlier steps as ``X``
            does with ``Pipeline(..., transform_input=["X_val"])`` under
            ``sklearn.set_config(enable_metadata_routing=True)``, this
            estimator's ``set_fit_request(X_val=True, y_val=True)``, and
            ``pipeline.fit(X, y, X_val=X_val, y_val=y_val)``.
        y_val : array-like of shape (n_val,) or (n_val, n_labels), default=None
            The labels of ``X_val``, among the classes of ``y``.
        sample_weight_val : array-like of shape (n_val,), default=None
            Weights of the rows of ``X_val``, multiplied by ``class_weight``
            (with the factors 'balanced' computes on the training rows).

        Returns
        -------
        self : ScratchMLPClassifier
            The fitted estimator.
        """
        self._validate_params()
        return self._train(
            X,
            y,
            sample_weight,
            incremental=False,
            validation=(X_val, y_val, sample_weight_val),
        )

    def _is_stochastic(self):
        super()._is_stochastic()
        if self.class_weight == "balanced":
            raise AttributeError(
                "partial_fit is not available with class_weight='balanced', which "
                "needs the whole data set. Pass a dict instead, for example from "
                "sklearn.utils.class_weight.compute_class_weight."
            )
        return True

    @available_if(_is_stochastic)
    @with_callbacks
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Train for one epoch over the given data ('sgd' and 'adam' only).

        Continues from the current weights and optimiser state, whether they
        come from earlier ``partial_fit`` calls or from ``fit``: a sequence
        of calls on the same data trains exactly like ``fit`` does epoch by
        epoch. The call is all or nothing: if it raises, a KeyboardInterrupt
        included, the estimator is left exactly as it was (and the
        KeyboardInterrupt propagates, so a streaming loop stops).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The training input.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, among those of the first call.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.
        classes : array-like of shape (n_classes,), default=None
            Every class of the whole data set. Required in the first call;
            in later calls it must be the same.

        Returns
        -------
        self : ScratchMLPClassifier
            The updated estimator.
        """
        self._check_partial_fit_params()
        if classes is None and not self._is_fitted():
            raise ValueError("classes must be passed on the first call to partial_fit.")
        return self._train(X, y, sample_weight, incremental=True, classes=classes)

    def _is_fitted(self):
        return hasattr(self, "coefs_") and hasattr(self, "_label_binarizer")

    def _train(
        self,
        X,
        y,
        sample_weight,
        *,
        incremental,
        classes=None,
        validation=None,
        stacklevel=CALLER,
    ):
        """Validate the call's data, then train on it (see ``_train_validated``)."""
        resume = self._is_fitted() and (incremental or self.warm_start)
        mode = "partial_fit" if incremental else "warm_start" if resume else "fit"
        placement, X, y, sample_weight = training_inputs(X, y, sample_weight)
        validation = training_inputs(*(validation or (None, None, None)))[1:]
        data = validate_training_data(
            self,
            X,
            y,
            sample_weight,
            binarizer=self._label_binarizer if resume else None,
            classes=classes,
            mode=mode,
        )
        data.placement = placement
        validation_data = validate_validation_data(
            self, data, sample_weight, *validation
        )
        return self._train_validated(
            data, validation_data, incremental=incremental, stacklevel=stacklevel
        )

    def _target_attributes(self, data):
        return dict(classes_=data.binarizer.classes_, _label_binarizer=data.binarizer)

    def _is_binary(self):
        return self._label_binarizer.y_type_ == "binary"

    def _has_one_class(self):
        return self._is_binary() and len(self._label_binarizer.classes_) == 1

    def decision_function(self, X):
        """The output layer's logits, before the sigmoid or softmax.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            For a binary problem, the logit of ``classes_[1]`` (positive means
            ``classes_[1]`` is predicted); otherwise one logit per class or
            label. With a single class, the logit of the network's output
            unit, which training drives negative (the side of ``classes_[0]``
            in a binary problem); ``predict`` does not use it and returns
            ``classes_[0]`` for every row.
        """
        Z = self._logits(X, "decision_function")
        return Z[:, 0] if self._is_binary() else Z

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            The class with the highest probability (for multilabel targets,
            an indicator of every label with probability above 0.5).
        """
        Z = self._logits(X, "predict")
        return labels(self._label_binarizer, Z, placement_of_model(self))

    def predict_proba(self, X):
        """Probability estimates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            The probability of each class in the order of ``classes_``
            (for multilabel targets, of each label). With a single class,
            one column of ones: MLPClassifier returns two columns there, one
            more than its ``classes_``, with the network's sigmoid in the
            second.
        """
        Z = self._logits(X, "predict_proba")
        if self._has_one_class():
            return Z * 0 + 1
        if self._is_binary():
            return columns([expit(-Z), expit(Z)])
        return OUTPUT_PROBA[self.out_activation_](Z)

    def predict_log_proba(self, X):
        """Logarithm of the probability estimates, computed from the logits.

        Finite wherever the logits are, even where ``predict_proba`` rounds a
        probability to 0.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            The log-probability of each class in the order of ``classes_``;
            one column of zeros with a single class.
        """
        Z = self._logits(X, "predict_log_proba")
        if self._has_one_class():
            return Z * 0
        if self._is_binary():
            return columns([log_expit(-Z), log_expit(Z)])
        return OUTPUT_LOG_PROBA[self.out_activation_](Z)

    def trace(self, X, y, sample_weight=None, *, classes=None):
        """Every quantity of a forward and backward pass, named as in the derivation.

        Works fitted (at the current weights) and unfitted (at the initial
        weights ``fit`` would start from); never modifies the estimator. See
        :func:`sknnscratch.trace` for the names and shapes.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features) or \
(n_features,)
            The rows to trace; a 1-D array is one sample.
        y : array-like of shape (n_samples,) or (n_samples, n_labels), or a label
            Their labels (or 0/1 indicator rows for multilabel targets).
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights, as in ``fit``.
        classes : array-like, default=None
            Every class of the data set, for an unfitted estimator whose ``y``
            does not show them all (as in ``partial_fit``).

        Returns
        -------
        trace : Trace
            The derivation's names (``X``, ``W1^T``, ..., ``Z1``, ``A1``,
            ..., ``J``, ..., ``dJ/dW1^T``, ``dJ/db1``) mapped to their
            values, in the order they are computed; ``print`` it to see
            them.
        """
        return _inspect._traced(self, X, y, sample_weight, classes)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

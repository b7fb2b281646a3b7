package dev.skiff.registry.core.podtemplate;

import dev.skiff.api.errors.ApiException.Cause;
import dev.skiff.registry.core.pod.PodDefaults;
import dev.skiff.registry.core.pod.PodValidation;
import dev.skiff.registry.generic.Strategy;
import dev.skiff.registry.storage.Resource;
import io.fabric8.kubernetes.api.model.PodTemplate;
import java.util.ArrayList;
import java.util.List;

/**
 * PodTemplates as upstream's pkg/registry/core/podtemplate: the template's pod spec gets the pod
 * spec defaults and ValidatePodTemplateSpec (under "template"), and generation follows template
 * changes.
 */
public final class PodTemplateStrategy implements Strategy<PodTemplate> {
    public static final Resource<PodTemplate> RESOURCE =
            Resource.of("", "podtemplates", "PodTemplate", true, PodTemplate.class, PodTemplate::new);

    @Override
    public boolean namespaced() {
        return true;
    }

    @Override
    public void prepareForCreate(PodTemplate template) {
        applyDefaults(template);
    }

    @Override
    public void prepareForUpdate(PodTemplate template, PodTemplate old) {
        applyDefaults(template);
    }

    private static void applyDefaults(PodTemplate template) {
        if (template.getTemplate() != null && template.getTemplate().getSpec() != null) {
            PodDefaults.applySpec(template.getTemplate().getSpec());
        }
    }

    @Override
    public List<Cause> validate(PodTemplate template) {
        List<Cause> causes = new ArrayList<>();
        if (template.getTemplate() == null) {
            causes.add(Cause.required("template"));
            return causes;
        }
        causes.addAll(PodValidation.validateSpec(template.getTemplate().getSpec(), "template.spec"));
        return causes;
    }

    @Override
    public List<Cause> validateUpdate(PodTemplate template, PodTemplate old) {
        return validate(template);
    }

    @Override
    public boolean tracksGeneration() {
        return true;
    }

    @Override
    public Object spec(PodTemplate template) {
        return template.getTemplate();
    }
}
